"""Kafka handlers: intake follows `mediation.cases` so that the bank sees one status and timeline, and files the
case when mediation fails and the bank maintains its claim. Thin: translate the event, call the service."""

from __future__ import annotations

import logging
from typing import Any

from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.mediation import ConfirmationDecided, MediationFailed
from courtlink_shared.messaging.consumer import EventHandler, PermanentEventError
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import Dispute
from intake.rules import STATUS_AFTER_MEDIATION_EVENT, DisputeStatus, can_transition
from intake.service import file_case
from intake.timeline import add_entry, mediation_summary

log = logging.getLogger(__name__)
CLOSING_OUTCOME = {
    "mediation.case.settled": "settled",
    "mediation.case.failed": "failed",
    "mediation.case.withdrawn": "withdrawn",
}


def mediation_handlers(runtime: ServiceRuntime) -> dict[str, EventHandler]:
    """One handler for every mediation event type."""

    async def handle(session: AsyncSession, envelope: Envelope, data: Any) -> None:
        dispute = (
            await session.execute(await lock_for_update(session, select(Dispute).where(Dispute.id == data.dispute_id)))
        ).scalar_one_or_none()
        if dispute is None:
            raise PermanentEventError(f"mediation event for unknown dispute {data.dispute_id}")
        now = runtime.clock.now()
        await add_entry(
            session,
            dispute_id=dispute.id,
            at=envelope.time,
            kind=envelope.type,
            summary=mediation_summary(envelope.type, envelope.data),
            detail=envelope.data,
        )
        target = STATUS_AFTER_MEDIATION_EVENT.get(envelope.type)
        if isinstance(data, ConfirmationDecided) and data.decision == "confirmed":
            target = DisputeStatus.CONFIRMED
        if envelope.type in CLOSING_OUTCOME and dispute.mediation_closed_at is None:
            dispute.mediation_closed_at = envelope.time
            dispute.mediation_outcome = CLOSING_OUTCOME[envelope.type]
        if target is not None and target != dispute.status:
            if can_transition(DisputeStatus(dispute.status), target):
                dispute.status = target
                dispute.updated_at = now
            else:  # e.g. the bank withdrew while mediation was closing: keep the record, keep the status
                log.info("dispute %s stays %s on %s", dispute.id, dispute.status, envelope.type)
        failed = isinstance(data, MediationFailed) and data.claimant_maintains_claim
        if failed and dispute.status == DisputeStatus.MEDIATION_FAILED:
            await file_case(session, outbox=runtime.outbox, now=now, dispute=dispute)

    return dict.fromkeys(STATUS_AFTER_MEDIATION_EVENT, handle)
