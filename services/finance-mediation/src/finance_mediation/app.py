"""FastAPI app factory of the finance-mediation service: `uvicorn --factory finance_mediation.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.clock import Clock
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.runtime import ConsumerSpec, ServiceParts, ServiceRuntime
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from finance_mediation.api import router
from finance_mediation.api_court import court_router
from finance_mediation.api_roster import roster_router
from finance_mediation.handlers import deadline_handlers, intake_handlers
from finance_mediation.settings import Settings

DESCRIPTION = (
    "Bank-dispute mediation: rosters of mediation organisations and mediators, automatic assignment, the "
    "30-day period with consented extensions, agreements, failure, and judicial confirmation."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def _consumers(runtime: ServiceRuntime) -> list[ConsumerSpec]:
    return [ConsumerSpec(group="finance-mediation", topics=[INTAKE_DISPUTES], handlers=intake_handlers(runtime))]


def service_parts() -> ServiceParts:
    """What this service runs besides HTTP (in the app, or in `python -m courtlink_shared.worker`)."""
    return ServiceParts(migrations_dir=MIGRATIONS, consumers=_consumers, deadline_handlers=deadline_handlers)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The finance-mediation app: its lifespan migrates the database and starts the relay, the intake consumer
    and the deadline sweeps (acceptance within 3 working days, the 30-day period)."""
    return create_service_app(
        settings or Settings(),
        title="Courtlink finance-mediation",
        description=DESCRIPTION,
        routers=[roster_router, router, court_router],
        parts=service_parts(),
        clock=clock,
    )
