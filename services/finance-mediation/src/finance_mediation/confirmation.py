"""Judicial confirmation of a mediation agreement (司法确认, CPL 2023 arts. 205–206): the parties apply jointly,
the court accepts the application and confirms or dismisses it. Each runs in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.timeline import record_step
from courtlink_shared.errors import InvalidInput, InvalidTransition
from courtlink_shared.events.common import Actor
from courtlink_shared.events.mediation import ConfirmationDecided, ConfirmationRequested
from courtlink_shared.identifiers.case_number import JUDICIAL_CONFIRMATION
from courtlink_shared.identifiers.case_number_allocation import allocate_case_number
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation.figures import count_confirmation_requested, count_confirmed
from finance_mediation.models import Activity, MediationCase
from finance_mediation.rules import CaseStatus, may_apply_for_confirmation
from finance_mediation.service import parties_of


async def request_confirmation(
    session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, applicants: list[str], actor: Actor
) -> None:
    """Both parties apply jointly, within 30 days of the agreement taking effect."""
    if case.status != CaseStatus.SETTLED or case.agreement_effective_at is None:
        raise InvalidTransition("only an effective agreement can be confirmed")
    if case.confirmation_requested_at is not None:
        raise InvalidTransition("judicial confirmation was already requested")
    if not may_apply_for_confirmation(now=now, agreement_effective_at=case.agreement_effective_at):
        raise InvalidTransition("the 30 days to apply for judicial confirmation have passed")
    missing = set(parties_of(case)) - set(applicants)
    if missing:
        raise InvalidInput.on_fields(
            (
                "applicants",
                f"both sides must apply; missing: {', '.join(sorted(missing))}",
                "司法确认须由双方当事人共同申请",
            )
        )
    case.confirmation_requested_at = now
    case.updated_at = now
    count_confirmation_requested(session, case)
    detail = {"applicants": applicants}
    record_step(session, Activity, case_id=case.id, at=now, kind="confirmation_requested", actor=actor, detail=detail)
    event = ConfirmationRequested(dispute_id=case.dispute_id, case_id=case.id, requested_at=now)
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def accept_confirmation(session: AsyncSession, *, now: datetime, case: MediationCase, actor: Actor) -> None:
    if case.confirmation_requested_at is None or case.confirmation_accepted_at is not None:
        raise InvalidTransition("no application is waiting for acceptance")
    case.confirmation_accepted_at = now
    case.updated_at = now
    record_step(session, Activity, case_id=case.id, at=now, kind="confirmation_accepted", actor=actor)


async def decide_confirmation(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    case: MediationCase,
    decision: str,
    reasons: str,
    president_extension: bool,
    actor: Actor,
) -> None:
    """Confirmed (enforceable, with a 民特 case number) or dismissed."""
    if case.confirmation_accepted_at is None or case.confirmation_decided_at is not None:
        raise InvalidTransition("the application must be accepted and not yet decided")
    case.confirmation_extended = president_extension
    case.confirmation_decided_at = now
    case.confirmation_decision = decision
    number = None
    if decision == "confirmed":
        number = str(
            await allocate_case_number(
                session, court_code=case.court_code, type_code=JUDICIAL_CONFIRMATION, year=now.astimezone(SHANGHAI).year
            )
        )
        case.confirmation_case_number = number
        count_confirmed(session, case)
    case.updated_at = now
    # The reasons go on the case's log too, so that the parties and the judge read why it was dismissed.
    detail = {"decision": decision, "case_number": number, "reasons": reasons}
    record_step(session, Activity, case_id=case.id, at=now, kind="confirmation_decided", actor=actor, detail=detail)
    event = ConfirmationDecided(
        dispute_id=case.dispute_id,
        case_id=case.id,
        decision=decision,
        case_number=number,
        reasons=reasons,
        by=actor,
        decided_at=now,
    )
    await outbox.emit(session, event, subject=case.dispute_id, time=now)
