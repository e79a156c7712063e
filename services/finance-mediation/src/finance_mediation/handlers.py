"""Kafka handlers: a routed dispute opens a case; a dispute withdrawn at intake closes it. Deadline handlers:
a mediator who has not accepted within 3 working days is replaced; a period that runs out closes the case as
failed; a case nobody could take is offered again. Thin: translate, then call the service layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.deadlines.sweep import DeadlineHandler, DueDeadline
from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.intake import DisputeRouted, DisputeWithdrawn
from courtlink_shared.messaging.consumer import AnyHandler, EventBatchHandler
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation import service
from finance_mediation.assignment import ACCEPT_DEADLINE, ASSIGN_RETRY, assign_automatically
from finance_mediation.models import MediationCase
from finance_mediation.rules import CaseStatus


async def _case(session: AsyncSession, **where: str) -> MediationCase | None:
    query = select(MediationCase).filter_by(**where)
    return (await session.execute(await lock_for_update(session, query))).scalar_one_or_none()


def intake_handlers(runtime: ServiceRuntime) -> dict[str, AnyHandler]:
    """What finance-mediation takes from `intake.disputes`: a run of routed disputes opens its cases together."""

    async def routed(session: AsyncSession, events: list[tuple[Envelope, DisputeRouted]]) -> None:
        await service.open_cases(session, outbox=runtime.outbox, now=runtime.clock.now(), routed=events)

    async def withdrawn(session: AsyncSession, envelope: Envelope, data: DisputeWithdrawn) -> None:
        case = await _case(session, dispute_id=data.dispute_id)
        if case is not None:  # withdrawn before routing (or a rejected duplicate): no case to close
            await service.withdraw(
                session, outbox=runtime.outbox, now=runtime.clock.now(), case=case, reason=data.reason
            )

    return {"intake.dispute.routed": EventBatchHandler(routed), "intake.dispute.withdrawn": withdrawn}


def deadline_handlers(runtime: ServiceRuntime) -> dict[str, DeadlineHandler]:
    """The sweeps of finance-mediation."""

    async def not_accepted(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        case = await _case(session, id=due.subject)
        if case is None or case.status != CaseStatus.ASSIGNED or case.mediator_id != due.payload.get("mediator_id"):
            return  # accepted, reassigned or closed meanwhile
        await service.reassign(
            session,
            outbox=runtime.outbox,
            now=now,
            case=case,
            actor=None,
            reason=f"not accepted within 3 working days by {case.mediator_id}",
        )

    async def period_over(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        case = await _case(session, id=due.subject)
        if case is None or case.status not in (CaseStatus.IN_MEDIATION, CaseStatus.AWAITING_SIGNATURES):
            return
        if case.due_at is None or case.due_at > now:
            return  # extended meanwhile: a later deadline exists
        await service.fail(
            session,
            outbox=runtime.outbox,
            now=now,
            case=case,
            ground="period_expired",
            reason="调解期限届满，未经各方同意延长",
            claimant_maintains_claim=True,
            actor=None,
        )

    async def retry_assignment(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        case = await _case(session, id=due.subject)
        if case is not None and case.status == CaseStatus.OPENED:
            await assign_automatically(
                session,
                outbox=runtime.outbox,
                now=now,
                case=case,
                mode="automatic",
                reason="a mediator became available",
            )

    handlers: dict[str, Any] = {
        ACCEPT_DEADLINE: not_accepted,
        service.DUE_DEADLINE: period_over,
        ASSIGN_RETRY: retry_assignment,
    }
    return handlers
