"""FastAPI app factory of the intake service: `uvicorn --factory intake.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.runtime import ServiceParts
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from intake.settings import Settings

DESCRIPTION = (
    "Banks submit financial disputes; the court validates them, issues the pre-litigation mediation "
    "notice, routes them to mediation and files a case when mediation fails."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake app; its lifespan migrates the database and starts the outbox relay."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink intake",
        description=DESCRIPTION,
        parts=ServiceParts(migrations_dir=MIGRATIONS),
    )
