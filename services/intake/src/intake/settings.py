"""Settings of the intake service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./var/intake.db"
