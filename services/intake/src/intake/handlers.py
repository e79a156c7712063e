"""Kafka handlers: intake follows `mediation.cases` so that the bank sees one status and timeline, and files the
case when mediation fails and the bank maintains its claim. Thin: translate the events, call the service."""

from __future__ import annotations

from typing import Any

from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.mediation import ConfirmationDecided, MediationFailed
from courtlink_shared.messaging.consumer import AnyHandler, EventBatchHandler, PermanentEventError, handling
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession

from intake.lifecycle import follow_mediation
from intake.queries import disputes_for_update
from intake.rules import STATUS_AFTER_MEDIATION_EVENT


def mediation_handlers(runtime: ServiceRuntime) -> dict[str, AnyHandler]:
    """One handler for every mediation event type, taking a poll's events together (one look-up for all)."""

    async def handle(session: AsyncSession, events: list[tuple[Envelope, Any]]) -> None:
        disputes = await disputes_for_update(session, {data.dispute_id for _, data in events})
        for envelope, data in events:
            dispute = disputes.get(data.dispute_id)
            if dispute is None:
                raise PermanentEventError(f"mediation event for unknown dispute {data.dispute_id}")
            with handling(envelope):
                await follow_mediation(
                    session,
                    outbox=runtime.outbox,
                    now=runtime.clock.now(),
                    dispute=dispute,
                    event_type=envelope.type,
                    event_time=envelope.time,
                    event_data=envelope.data,
                    confirmed=isinstance(data, ConfirmationDecided) and data.decision == "confirmed",
                    files_case=isinstance(data, MediationFailed) and data.claimant_maintains_claim,
                )

    return dict.fromkeys(STATUS_AFTER_MEDIATION_EVENT, EventBatchHandler(handle))
