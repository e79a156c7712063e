"""Finance-mediation's operations on a case: each runs in the caller's transaction, state change and events
together. Illegal steps raise InvalidTransition (409) and change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from courtlink_shared.db.bulk_insert import insert_rows
from courtlink_shared.db.timeline import record_step
from courtlink_shared.deadlines.sweep import cancel_deadlines, schedule_deadline
from courtlink_shared.errors import InvalidInput, InvalidTransition
from courtlink_shared.events.common import Actor, Instalment
from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.intake import DisputeRouted
from courtlink_shared.events.mediation import (
    Agreement,
    Consent,
    MediationAccepted,
    MediationExtended,
    MediationFailed,
    MediationOpened,
    MediationSettled,
    MediationWithdrawn,
)
from courtlink_shared.messaging.consumer import handling
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation import queries
from finance_mediation.assignment import (
    ACCEPT_DEADLINE,
    ASSIGN_RETRY,
    RETRY_AFTER,
    announce_assignment,
    assign_automatically,
    count_loads,
    give_case,
    locked_roster,
)
from finance_mediation.figures import Placement, count_closure, count_move, count_opened
from finance_mediation.models import Activity, MediationCase, Mediator
from finance_mediation.rules import (
    CLOSED,
    CaseStatus,
    accept_by,
    assign_by,
    can_take,
    can_transition,
    extension_given_on,
    instalments_add_up,
    load_change,
    mediation_due,
)

DUE_DEADLINE = "mediation.due"


def parties_of(case: MediationCase) -> list[str]:
    """Who must consent and sign: the claimant bank (credit code) and every respondent (ID number)."""
    return [case.claimant_code] + [r["id_number"] for r in case.dispute["respondents"]]


def _move(session: AsyncSession, case: MediationCase, target: CaseStatus, now: datetime) -> None:
    current = CaseStatus(case.status)
    if not can_transition(current, target):
        raise InvalidTransition(f"a case that is {current} cannot become {target}")
    count_loads(session, load_change((case.mediator_id, current), (case.mediator_id, target)))
    before = Placement.of(case)
    case.status = target
    case.updated_at = now
    count_move(session, before, case)


def _field_error(field: str, message: str, message_zh: str) -> InvalidInput:
    return InvalidInput.on_fields((field, message, message_zh))


AUTOMATIC_REASON = "specialty match, under capacity, least loaded, not affiliated with the bank"


async def open_cases(
    session: AsyncSession, *, outbox: Outbox, now: datetime, routed: Sequence[tuple[Envelope, DisputeRouted]]
) -> None:
    """Routed disputes open cases, each given a mediator if one is free (else offered again later).

    Set-based for a burst: one locked read of the roster, the choices made in memory (rules.LeastLoaded), the
    cases written in one multi-row insert, deadlines and events buffered to the commit. Each case's events carry
    the correlation of the event that routed it. Once only: a redelivered event is dropped by the consumer's
    inbox, and a dispute routed again (another event, the same dispute) finds its case and opens none. (Two
    consumers never hold one dispute's partition for long; if they race, the unique dispute id fails the insert
    and the event is handled again, alone, finding the case.)
    """
    held = await locked_roster(session)
    opened_before = await queries.disputes_with_cases(session, [data.dispute_id for _, data in routed])
    assigning_by, accepting_by = assign_by(now), accept_by(now)
    cases: list[dict[str, Any]] = []
    given: dict[str, int] = {}  # new active cases per mediator
    for envelope, data in routed:
        if data.dispute_id in opened_before:
            continue
        opened_before.add(data.dispute_id)
        with handling(envelope):
            case = _new_case(data, now=now, assigning_by=assigning_by)
            cases.append(case)
            opened = MediationOpened(
                dispute_id=data.dispute_id, case_id=case["id"], mediation_number=data.mediation_number, opened_at=now
            )
            await outbox.emit(session, opened, subject=data.dispute_id, time=now)
            choice = held.least_loaded.take(
                court_code=case["court_code"], dispute_type=case["dispute_type"], claimant_code=case["claimant_code"]
            )
            if choice is None:
                await schedule_deadline(session, kind=ASSIGN_RETRY, subject=case["id"], due_at=now + RETRY_AFTER)
            else:
                mediator = held.mediators[choice.id]
                given[mediator.id] = given.get(mediator.id, 0) + 1
                case.update(
                    status=CaseStatus.ASSIGNED,
                    mediator_id=mediator.id,
                    organisation_code=mediator.organisation_code,
                    assigned_at=now,
                    accept_by=accepting_by,
                )
                await announce_assignment(
                    session,
                    outbox=outbox,
                    now=now,
                    case_id=case["id"],
                    dispute_id=data.dispute_id,
                    mediator=mediator,
                    accept_by=accepting_by,
                    mode="automatic",
                    reason=AUTOMATIC_REASON,
                    previous=None,
                )
    if cases:
        await insert_rows(session, MediationCase, cases)
    count_loads(session, given)
    count_opened(session, *(Placement.of(case) for case in cases))


def _new_case(routed: DisputeRouted, *, now: datetime, assigning_by: datetime) -> dict[str, Any]:
    """The row of a case just opened, waiting for a mediator (every column given: one multi-row insert)."""
    snapshot = routed.dispute
    return {
        "id": str(uuid.uuid4()),
        "dispute_id": routed.dispute_id,
        "mediation_number": routed.mediation_number,
        "dispute": snapshot.model_dump(mode="json"),
        "dispute_type": snapshot.dispute_type,
        "claimant_code": snapshot.claimant.code,
        "court_code": snapshot.court_code,
        "status": CaseStatus.OPENED,
        "mediator_id": None,
        "organisation_code": None,
        "declined_by": [],
        "signatures": [],
        "opened_at": now,
        "assign_by": assigning_by,
        "assigned_at": None,
        "accept_by": None,
        "updated_at": now,
    }


async def assign_manually(
    session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, mediator: Mediator, actor: Actor
) -> None:
    """The organisation picks the mediator itself; capacity and the claimant-affiliation rule still hold."""
    if CaseStatus(case.status) not in (CaseStatus.OPENED, CaseStatus.ASSIGNED):
        raise InvalidTransition(f"a case that is {case.status} cannot be reassigned")
    if case.status == CaseStatus.ASSIGNED and case.mediator_id == mediator.id:
        return  # the same assignment again (a repeated request): it stands as it is, nothing is recorded twice
    held = await locked_roster(session)
    if not can_take(held.loads[mediator.id], claimant_code=case.claimant_code):
        raise _field_error(
            "mediator_id",
            "this mediator is at capacity, unavailable or affiliated with the claimant",
            "该调解员已满负荷、不可用或与申请人存在关联",
        )
    await cancel_deadlines(session, kind=ASSIGN_RETRY, subject=case.id, now=now)
    await give_case(
        session,
        outbox=outbox,
        now=now,
        case=case,
        mediator=mediator,
        mode="manual",
        reason=f"assigned by the organisation ({actor.subject})",
        previous=case.mediator_id,
    )


async def accept(session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, actor: Actor) -> None:
    """The mediator accepts: the 30-day period starts now."""
    mediator_id = actor.subject
    if case.mediator_id != mediator_id:
        raise InvalidTransition("only the assigned mediator can accept this case")
    _move(session, case, CaseStatus.IN_MEDIATION, now)
    case.accepted_at = now
    case.due_at = mediation_due(now)
    await cancel_deadlines(session, kind=ACCEPT_DEADLINE, subject=case.id, now=now)
    await schedule_deadline(session, kind=DUE_DEADLINE, subject=case.id, due_at=case.due_at)
    record_step(session, Activity, case_id=case.id, at=now, kind="accepted", actor=actor)
    event = MediationAccepted(
        dispute_id=case.dispute_id, case_id=case.id, mediator_id=mediator_id, accepted_at=now, due_at=case.due_at
    )
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def reassign(
    session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, reason: str, actor: Actor | None
) -> None:
    """The assigned mediator declined or let the acceptance deadline pass: they are excluded and the case moves on."""
    if CaseStatus(case.status) != CaseStatus.ASSIGNED or case.mediator_id is None:
        raise InvalidTransition(f"a case that is {case.status} has no pending assignment")
    case.declined_by = [*case.declined_by, case.mediator_id]
    detail = {"reason": reason, "previous": case.mediator_id}
    record_step(session, Activity, case_id=case.id, at=now, kind="reassignment", actor=actor, detail=detail)
    await cancel_deadlines(session, kind=ACCEPT_DEADLINE, subject=case.id, now=now)
    assigned = await assign_automatically(
        session, outbox=outbox, now=now, case=case, mode="reassignment", reason=reason
    )
    if assigned is None:
        count_loads(session, load_change((case.mediator_id, CaseStatus(case.status)), (None, CaseStatus.OPENED)))
        before = Placement.of(case)
        case.status = CaseStatus.OPENED
        case.mediator_id = None
        case.organisation_code = None
        case.updated_at = now
        count_move(session, before, case)


async def record_contact(
    session: AsyncSession, *, now: datetime, case: MediationCase, actor: Actor, detail: dict[str, Any]
) -> None:
    """A contact attempt or a session (time, channel, minutes) in an accepted case."""
    if CaseStatus(case.status) not in (CaseStatus.IN_MEDIATION, CaseStatus.SUSPENDED, CaseStatus.AWAITING_SIGNATURES):
        raise InvalidTransition(f"a case that is {case.status} takes no contacts or sessions")
    record_step(session, Activity, case_id=case.id, at=now, kind=detail.pop("kind"), actor=actor, detail=detail)


async def extend(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    case: MediationCase,
    days: int,
    consents: list[Consent],
    actor: Actor,
) -> None:
    """Extend the period; only with every party's recorded consent. The same extension sent again (the same
    consents and days, e.g. a form sent twice) changes nothing; consents already used for another extension are
    refused. The caller holds the case's lock, so a repeat sent at the same time sees the first one."""
    if CaseStatus(case.status) not in (CaseStatus.IN_MEDIATION, CaseStatus.SUSPENDED):
        raise InvalidTransition(f"a case that is {case.status} cannot be extended")
    missing = set(parties_of(case)) - {c.party for c in consents}
    if missing:
        raise _field_error(
            "consents",
            f"every party must consent; missing: {', '.join(sorted(missing))}",
            "延长调解期限须经全部当事人同意",
        )
    given = frozenset((c.party, c.consented_at) for c in consents)
    earlier = extension_given_on(given, await queries.extensions_of(session, case.id))
    if earlier is not None and (earlier.consents, earlier.days) == (given, days):
        return
    if earlier is not None:
        raise _field_error(
            "consents",
            f"these consents were already given for an extension of {earlier.days} days; "
            "record the parties' consent to this one",
            f"该同意已用于延长{earlier.days}日，须重新取得当事人同意",
        )
    assert case.accepted_at is not None
    case.extension_days += days
    case.due_at = mediation_due(
        case.accepted_at, extension_days=case.extension_days, suspended=timedelta(seconds=case.suspended_seconds)
    )
    case.updated_at = now
    if case.status == CaseStatus.IN_MEDIATION:
        await cancel_deadlines(session, kind=DUE_DEADLINE, subject=case.id, now=now)
        await schedule_deadline(session, kind=DUE_DEADLINE, subject=case.id, due_at=case.due_at)
    detail = {"days": days, "consents": [c.model_dump(mode="json") for c in consents]}
    record_step(session, Activity, case_id=case.id, at=now, kind="extended", actor=actor, detail=detail)
    event = MediationExtended(
        dispute_id=case.dispute_id,
        case_id=case.id,
        extra_days=days,
        consents=consents,
        due_at=case.due_at,
        extended_at=now,
    )
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def suspend(session: AsyncSession, *, now: datetime, case: MediationCase, reason: str, actor: Actor) -> None:
    """Appraisal or valuation starts: the period stands still."""
    _move(session, case, CaseStatus.SUSPENDED, now)
    case.suspended_since = now
    await cancel_deadlines(session, kind=DUE_DEADLINE, subject=case.id, now=now)
    record_step(session, Activity, case_id=case.id, at=now, kind="suspended", actor=actor, detail={"reason": reason})


async def resume(session: AsyncSession, *, now: datetime, case: MediationCase, actor: Actor) -> None:
    """Appraisal is over: the time it took is added to the period."""
    if case.status != CaseStatus.SUSPENDED or case.suspended_since is None or case.accepted_at is None:
        raise InvalidTransition(f"a case that is {case.status} is not suspended")
    _move(session, case, CaseStatus.IN_MEDIATION, now)
    case.suspended_seconds += int((now - case.suspended_since).total_seconds())
    case.suspended_since = None
    case.due_at = mediation_due(
        case.accepted_at, extension_days=case.extension_days, suspended=timedelta(seconds=case.suspended_seconds)
    )
    await schedule_deadline(session, kind=DUE_DEADLINE, subject=case.id, due_at=case.due_at)
    detail = {"due_at": case.due_at.isoformat()}
    record_step(session, Activity, case_id=case.id, at=now, kind="resumed", actor=actor, detail=detail)


async def draft_agreement(
    session: AsyncSession,
    *,
    now: datetime,
    case: MediationCase,
    settled_amount: Decimal,
    instalments: list[Instalment],
    actor: Actor,
) -> None:
    """The parties agreed: the agreement waits for every party's signature."""
    if not instalments_add_up(settled_amount, [i.amount for i in instalments]):
        raise _field_error(
            "instalments", "the instalments do not add up to the settled amount", "分期还款金额之和须等于调解金额"
        )
    _move(session, case, CaseStatus.AWAITING_SIGNATURES, now)
    case.agreement = {
        "settled_amount": str(settled_amount),
        "instalments": [i.model_dump(mode="json") for i in instalments],
    }
    case.signatures = []
    record_step(
        session, Activity, case_id=case.id, at=now, kind="agreement_drafted", actor=actor, detail=case.agreement
    )


async def sign(
    session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, party: str, actor: Actor
) -> None:
    """A party signs; the agreement takes effect when the last party signs, and the case is settled."""
    if CaseStatus(case.status) != CaseStatus.AWAITING_SIGNATURES or case.agreement is None:
        raise InvalidTransition("there is no agreement waiting for signatures")
    if party not in parties_of(case):
        raise _field_error("party", "not a party to this case", "非本案当事人")
    if party in {s["party"] for s in case.signatures}:
        raise InvalidTransition("this party has already signed")
    case.signatures = [*case.signatures, {"party": party, "signed_at": now.isoformat()}]
    record_step(session, Activity, case_id=case.id, at=now, kind="signed", actor=actor, detail={"party": party})
    if {s["party"] for s in case.signatures} != set(parties_of(case)):
        return
    _move(session, case, CaseStatus.SETTLED, now)
    case.agreement_effective_at = now
    await _close(session, case, now, "settled")
    agreement = Agreement(
        settled_amount=Decimal(case.agreement["settled_amount"]),
        instalments=[Instalment.model_validate(i) for i in case.agreement["instalments"]],
        effective_at=now,
    )
    event = MediationSettled(dispute_id=case.dispute_id, case_id=case.id, agreement=agreement, settled_at=now)
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def fail(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    case: MediationCase,
    ground: str,
    reason: str,
    claimant_maintains_claim: bool,
    actor: Actor | None,
) -> None:
    """Close without agreement; intake files the case if the claimant maintains the claim."""
    _move(session, case, CaseStatus.FAILED, now)
    case.ground, case.reason = ground, reason
    await _close(session, case, now, "failed")
    detail = {"ground": ground, "reason": reason}
    record_step(session, Activity, case_id=case.id, at=now, kind="failed", actor=actor, detail=detail)
    event = MediationFailed(
        dispute_id=case.dispute_id,
        case_id=case.id,
        ground=ground,
        reason=reason,
        claimant_maintains_claim=claimant_maintains_claim,
        failed_at=now,
    )
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def withdraw(session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, reason: str) -> None:
    """The bank withdrew the dispute at intake: close the case (a closed case stays as it is)."""
    if CaseStatus(case.status) in CLOSED:
        return
    _move(session, case, CaseStatus.WITHDRAWN, now)
    case.reason = reason
    await _close(session, case, now, "withdrawn")
    event = MediationWithdrawn(dispute_id=case.dispute_id, case_id=case.id, withdrawn_at=now)
    await outbox.emit(session, event, subject=case.dispute_id, time=now)


async def _close(session: AsyncSession, case: MediationCase, now: datetime, outcome: str) -> None:
    case.closed_at = now
    case.outcome = outcome
    count_closure(session, case)
    for kind in (DUE_DEADLINE, ACCEPT_DEADLINE, ASSIGN_RETRY):
        await cancel_deadlines(session, kind=kind, subject=case.id, now=now)
