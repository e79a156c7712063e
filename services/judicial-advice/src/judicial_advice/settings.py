"""Settings of the judicial-advice service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "judicial-advice"
    database_url: str = "sqlite+aiosqlite:///./var/judicial-advice.db"
    court_places: dict[str, str] = Field(
        default_factory=dict,
        description='Court codes to the place abbreviation of advice numbers, as JSON: {"吉7101": "长铁"}.',
    )
