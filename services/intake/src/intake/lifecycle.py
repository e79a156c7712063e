"""A dispute's life after submission, each in the caller's transaction: the bank withdraws it, a clerk rejects a
probable duplicate or routes it after all, mediation's events move its status, and a failed mediation the
claimant maintains is filed as a first-instance case (转立案)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.timeline import record_step
from courtlink_shared.errors import InvalidTransition
from courtlink_shared.events.common import Actor, Organisation
from courtlink_shared.events.intake import DisputeFiled, DisputeWithdrawn
from courtlink_shared.identifiers.case_number import FIRST_INSTANCE_CIVIL
from courtlink_shared.identifiers.case_number_allocation import allocate_case_number
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from intake.figures import count_figures
from intake.models import Dispute, TimelineEntry
from intake.routing import party_of, route, snapshot_of
from intake.rules import (
    MEDIATION_CLOSING_OUTCOME,
    DisputeStatus,
    can_transition,
    status_after_mediation_event,
)
from intake.timeline import mediation_summary

log = logging.getLogger(__name__)


async def withdraw(
    session: AsyncSession, *, outbox: Outbox, now: datetime, dispute: Dispute, actor: Actor, reason: str
) -> None:
    """The bank withdraws its dispute, until it is filed or otherwise closed."""
    await _end(
        session, outbox=outbox, now=now, dispute=dispute, actor=actor, reason=reason, status=DisputeStatus.WITHDRAWN
    )


async def reject(
    session: AsyncSession, *, outbox: Outbox, now: datetime, dispute: Dispute, actor: Actor, reason: str
) -> None:
    """A clerk rejects a probable duplicate (不予受理)."""
    await _end(
        session, outbox=outbox, now=now, dispute=dispute, actor=actor, reason=reason, status=DisputeStatus.REJECTED
    )


# How each way of ending a dispute before mediation reads on its timeline.
_SUMMARIES = {
    DisputeStatus.WITHDRAWN: "银行撤回纠纷：{reason}",
    DisputeStatus.REJECTED: "经审查认定为重复提交，不予受理：{reason}",
}


async def _end(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    dispute: Dispute,
    actor: Actor,
    reason: str,
    status: DisputeStatus,
) -> None:
    # Both end the dispute before any case exists, so both tell mediation the same way: DisputeWithdrawn.
    summary = _SUMMARIES[status]
    current = DisputeStatus(dispute.status)
    if not can_transition(current, status):
        raise InvalidTransition(f"a dispute in status {current} cannot be {status.value}")
    dispute.status = status
    dispute.updated_at = now
    if status == DisputeStatus.REJECTED:  # not accepted after all, on the day it was submitted
        count_figures(
            session, court_code=dispute.court_code, bank_code=dispute.bank_code, at=dispute.submitted_at, accepted=-1
        )
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=now,
        kind=status.value,
        summary=summary.format(reason=reason),
        actor=actor,
        detail={"reason": reason},
    )
    event = DisputeWithdrawn(dispute_id=dispute.id, reason=reason, by=actor, withdrawn_at=now)
    await outbox.emit(session, event, subject=dispute.id, time=now)


async def route_reviewed(
    session: AsyncSession, *, outbox: Outbox, now: datetime, dispute: Dispute, actor: Actor, reason: str
) -> None:
    """A clerk found a flagged dispute not to be a duplicate: route it after all."""
    if not can_transition(DisputeStatus(dispute.status), DisputeStatus.ROUTED):
        raise InvalidTransition(f"a dispute in status {dispute.status} cannot be routed")
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=now,
        kind="review_cleared",
        summary=f"经审查不属于重复提交：{reason}",
        actor=actor,
    )
    dispute.probable_duplicate_of = None
    await route(session, outbox=outbox, now=now, disputes=[dispute])


async def file_case(session: AsyncSession, *, outbox: Outbox, now: datetime, dispute: Dispute) -> None:
    """转立案: mediation failed and the claimant maintains the claim; give a first-instance case number."""
    if not can_transition(DisputeStatus(dispute.status), DisputeStatus.FILED):
        raise InvalidTransition(f"a dispute in status {dispute.status} cannot be filed")
    number = await allocate_case_number(
        session, court_code=dispute.court_code, type_code=FIRST_INSTANCE_CIVIL, year=now.astimezone(SHANGHAI).year
    )
    dispute.case_number = str(number)
    dispute.status = DisputeStatus.FILED
    dispute.filed_at = now
    dispute.updated_at = now
    count_figures(session, court_code=dispute.court_code, bank_code=dispute.bank_code, at=now, filed=1)
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=now,
        kind="filed",
        summary=f"调解不成，已转立案，案号{number}",
        actor=None,
        detail={"case_number": str(number)},
    )
    event = DisputeFiled(
        dispute_id=dispute.id,
        case_number=str(number),
        court_code=dispute.court_code,
        mediation_number=dispute.mediation_number,
        claimant=Organisation(name=dispute.bank_name, code=dispute.bank_code),
        respondents=[party_of(r) for r in dispute.respondents],
        claim=snapshot_of(dispute).claim,
        filed_at=now,
    )
    await outbox.emit(session, event, subject=dispute.id, time=now)


async def follow_mediation(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    dispute: Dispute,
    event_type: str,
    event_time: datetime,
    event_data: dict[str, Any],
    confirmed: bool,
    files_case: bool,
) -> None:
    """A mediation event for the dispute: on its timeline, its status moved when the rules allow, and the case
    filed (转立案) when mediation failed and the claimant maintains the claim (`files_case`)."""
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=event_time,
        kind=event_type,
        summary=mediation_summary(event_type, event_data),
        actor=None,  # a step taken in mediation, recorded from its event
        detail=event_data,
    )
    target = status_after_mediation_event(event_type, confirmed=confirmed)
    if event_type in MEDIATION_CLOSING_OUTCOME and dispute.mediation_closed_at is None:
        dispute.mediation_closed_at = event_time
        dispute.mediation_outcome = MEDIATION_CLOSING_OUTCOME[event_type]
        settled = int(dispute.mediation_outcome == "settled")
        count_figures(
            session,
            court_code=dispute.court_code,
            bank_code=dispute.bank_code,
            at=event_time,
            mediations_closed=1,
            settled=settled,
        )
    if target is not None and target != dispute.status:
        if can_transition(DisputeStatus(dispute.status), target):
            dispute.status = target
            dispute.updated_at = now
        else:  # e.g. the bank withdrew while mediation was closing: keep the record, keep the status
            log.info("dispute %s stays %s on %s", dispute.id, dispute.status, event_type)
    if files_case and dispute.status == DisputeStatus.MEDIATION_FAILED:
        await file_case(session, outbox=outbox, now=now, dispute=dispute)
