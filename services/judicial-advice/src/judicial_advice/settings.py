"""Settings of the judicial-advice service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "judicial-advice"
    database_url: str = "sqlite+aiosqlite:///./var/judicial-advice.db"
