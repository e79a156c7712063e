"""FastAPI app factory of the intake service: `uvicorn --factory intake.app:create_app`."""

from __future__ import annotations

from pathlib import Path

from courtlink_shared.clock import Clock
from courtlink_shared.events.topics import MEDIATION_CASES
from courtlink_shared.runtime import ConsumerSpec, ServiceParts, ServiceRuntime
from courtlink_shared.web.app_factory import create_service_app
from fastapi import FastAPI

from intake.api import router
from intake.api_batches import batch_router
from intake.batches import BatchProcessor
from intake.handlers import mediation_handlers
from intake.settings import Settings
from intake.submissions import SubmissionGroups

DESCRIPTION = (
    "Banks submit financial disputes; the court validates them, issues the pre-litigation mediation "
    "notice, routes them to mediation and files a case when mediation fails."
)
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def _consumers(runtime: ServiceRuntime) -> list[ConsumerSpec]:
    return [ConsumerSpec(group="intake", topics=[MEDIATION_CASES], handlers=mediation_handlers(runtime))]


def service_parts() -> ServiceParts:
    """Intake's parts: the mediation consumer and the batch worker in the background, the group commit of single
    submissions wherever requests are served."""
    return ServiceParts(
        migrations_dir=MIGRATIONS,
        consumers=_consumers,
        workers=lambda rt: [BatchProcessor(rt)],
        serving=lambda rt: [SubmissionGroups(rt)],
    )


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The intake app: its lifespan migrates the database and starts the relay, the mediation consumer and
    the batch worker."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Courtlink intake",
        description=DESCRIPTION,
        routers=[batch_router, router],
        parts=service_parts(),
        clock=clock,
        body_limits={
            "POST /disputes": settings.dispute_max_body_bytes,
            "POST /batches": settings.batch_max_body_bytes,
        },
    )
