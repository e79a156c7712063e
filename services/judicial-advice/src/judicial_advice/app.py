"""FastAPI app factory of the judicial-advice service: `uvicorn --factory judicial_advice.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.clock import Clock
from courtlink_shared.runtime import ServiceParts
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from judicial_advice.api import router
from judicial_advice.handlers import deadline_handlers
from judicial_advice.settings import Settings

DESCRIPTION = (
    "Judicial advice from draft through approval, numbering and delivery to an agency, to the agency's reply, "
    "follow-up and archive."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def service_parts() -> ServiceParts:
    """What this service runs besides HTTP (in the app, or in `python -m courtlink_shared.worker`)."""
    return ServiceParts(migrations_dir=MIGRATIONS, deadline_handlers=deadline_handlers)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The judicial-advice app; its lifespan migrates the database and starts the relay and the overdue sweep."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink judicial-advice",
        description=DESCRIPTION,
        routers=[router],
        parts=service_parts(),
        clock=clock,
    )
