"""Settings of the intake service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from courtlink_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    """The platform settings with this service's defaults."""

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    dispute_max_body_bytes: int = Field(
        default=256 * 1024, gt=0, description="Largest body of POST /disputes (one dispute); 413 beyond it."
    )
    batch_max_body_bytes: int = Field(
        default=32 * 1024 * 1024, gt=0, description="Largest body of POST /batches (up to 10,000 disputes); 413 beyond."
    )
