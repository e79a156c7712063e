"""Settings of the enforcement-inquiry service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "enforcement-inquiry"
    database_url: str = "sqlite+aiosqlite:///./var/enforcement-inquiry.db"
    service_level_days: int = Field(default=7, ge=1, description="Days from inquiry to advice.")
    urgent_service_level_days: int = Field(default=3, ge=1, description="Days from an urgent inquiry to advice.")
    asset_query_window_seconds: float = Field(
        default=60, gt=0, description="How long respondents are collected into one query per bank."
    )
    asset_query_expiry_hours: float = Field(default=48, gt=0, description="How long a bank has to answer a query.")
