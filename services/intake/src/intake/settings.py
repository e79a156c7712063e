"""Settings of the intake service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    court_names: dict[str, str] = Field(
        default_factory=dict,
        description='Court codes to the names printed on notices, as JSON: {"吉7101": "…人民法院"}.',
    )
