"""FastAPI app factory of the enforcement-inquiry service: `uvicorn --factory enforcement_inquiry.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.clock import Clock
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.runtime import ConsumerSpec, ServiceParts, ServiceRuntime
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from enforcement_inquiry.api import bank_router, router
from enforcement_inquiry.handlers import deadline_handlers, intake_handlers
from enforcement_inquiry.settings import Settings

DESCRIPTION = (
    "Trial judges ask the enforcement bureau whether a judgment can be enforced; the bureau queries the "
    "respondents' banks (one consolidated query per bank) and returns enforcement advice."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def _consumers(runtime: ServiceRuntime) -> list[ConsumerSpec]:
    return [ConsumerSpec(group="enforcement-inquiry", topics=[INTAKE_DISPUTES], handlers=intake_handlers(runtime))]


def service_parts() -> ServiceParts:
    """What this service runs besides HTTP (in the app, or in `python -m courtlink_shared.worker`)."""
    return ServiceParts(migrations_dir=MIGRATIONS, consumers=_consumers, deadline_handlers=deadline_handlers)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The enforcement-inquiry app: its lifespan migrates the database and starts the relay, the consumer of
    filed cases and the sweeps (bank query dispatch and expiry, overdue inquiries)."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink enforcement-inquiry",
        description=DESCRIPTION,
        routers=[router, bank_router],
        parts=service_parts(),
        clock=clock,
    )
