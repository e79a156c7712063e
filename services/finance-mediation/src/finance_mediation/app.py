"""FastAPI app factory of the finance-mediation service: `uvicorn --factory finance_mediation.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.runtime import ServiceParts
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from finance_mediation.settings import Settings

DESCRIPTION = "Bank-dispute mediation: mediators, deadlines, agreements, judicial confirmation."
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The finance-mediation app; its lifespan migrates the database and starts the outbox relay."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink finance-mediation",
        description=DESCRIPTION,
        parts=ServiceParts(migrations_dir=MIGRATIONS),
    )
