"""FastAPI app factory of the enforcement-inquiry service: `uvicorn --factory enforcement_inquiry.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.runtime import ServiceParts
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from enforcement_inquiry.settings import Settings

DESCRIPTION = (
    "Trial judges ask the enforcement bureau whether a judgment can be enforced; the bureau queries banks "
    "and returns enforcement advice."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The enforcement-inquiry app; its lifespan migrates the database and starts the outbox relay."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink enforcement-inquiry",
        description=DESCRIPTION,
        parts=ServiceParts(migrations_dir=MIGRATIONS),
    )
