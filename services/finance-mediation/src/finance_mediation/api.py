"""Finance-mediation's HTTP routes for cases: parse, authorise, call the service layer; nothing else.

The web layer is `app.py` and the `api*.py` modules: this one (cases), `api_roster.py` (an organisation's
roster), `api_court.py` (the court's roster of organisations) and `api_views.py` (how a case is shown); no
other module imports it."""

from __future__ import annotations

from typing import Annotated

from courtlink_shared.auth.actors import actor_in, actor_of
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, SessionDep, require_roles
from courtlink_shared.web.periods import PeriodDep
from fastapi import APIRouter, Depends, Query

from finance_mediation import confirmation, queries, service
from finance_mediation.api_views import case_out, pool_view
from finance_mediation.models import MediationCase
from finance_mediation.queries import ConfirmationState
from finance_mediation.rules import CaseStatus
from finance_mediation.schemas import (
    ActivityOut,
    AgreementIn,
    AssignmentIn,
    CaseDetailOut,
    CaseOut,
    ConfirmationIn,
    ContactIn,
    DecisionIn,
    DeclineIn,
    ExtensionIn,
    FailureIn,
    SessionIn,
    SignatureIn,
    StatisticsOut,
    SuspensionIn,
)

router = APIRouter(tags=["cases"])

MediatorP = Annotated[Principal, Depends(require_roles(Role.MEDIATOR))]
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.MEDIATION_ORG_ADMIN))]
Judge = Annotated[Principal, Depends(require_roles(Role.TRIAL_JUDGE))]
Reader = Annotated[
    Principal, Depends(require_roles(Role.MEDIATOR, Role.MEDIATION_ORG_ADMIN, Role.BANK_OPERATOR, Role.TRIAL_JUDGE))
]
Applicant = Annotated[Principal, Depends(require_roles(Role.MEDIATOR, Role.BANK_OPERATOR))]
StatsReader = Annotated[Principal, Depends(require_roles(Role.ANALYST, Role.MEDIATION_ORG_ADMIN, Role.BANK_OPERATOR))]


@router.get("/cases", response_model=list[CaseOut], summary="Your cases, the nearest deadline first")
async def list_cases(
    session: SessionDep,
    clock: ClockDep,
    principal: Reader,
    status: CaseStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    confirmation: Annotated[
        ConfirmationState | None,
        Query(description="Instead of the work queue: applications for 司法确认 waiting for the court or decided."),
    ] = None,
) -> list[CaseOut]:
    now = clock.now()
    cases = (
        await queries.confirmation_cases(session, principal=principal, state=confirmation, limit=limit)
        if confirmation is not None
        else await queries.list_cases(session, principal=principal, status=status, limit=limit)
    )
    return [pool_view(case_out(c, now), c, principal) for c in cases]


@router.get("/cases/{case_id}", response_model=CaseDetailOut, summary="A case with its activity")
async def get_case(case_id: str, session: SessionDep, clock: ClockDep, principal: Reader) -> CaseDetailOut:
    case = await queries.get_case(session, principal=principal, case_id=case_id)
    if queries.seen_through_pool(principal, case):
        shown = pool_view(case_out(case, clock.now()), case, principal)
        return CaseDetailOut(**shown.model_dump(), dispute=queries.pool_snapshot(case.dispute), activities=[])
    activities = [ActivityOut.from_row(a) for a in await queries.activities_of(session, case.id)]
    return CaseDetailOut(**case_out(case, clock.now()).model_dump(), dispute=case.dispute, activities=activities)


async def _mine(session: SessionDep, principal: Principal, case_id: str) -> MediationCase:
    return await queries.get_case(session, principal=principal, case_id=case_id, for_update=True)


@router.post("/cases/{case_id}/assignment", response_model=CaseOut, summary="The organisation assigns a mediator")
async def assign(
    case_id: str, body: AssignmentIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: OrgAdmin
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    mediator = await queries.own_mediator(session, principal=principal, mediator_id=body.mediator_id)
    await service.assign_manually(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        mediator=mediator,
        actor=actor_of(principal, Role.MEDIATION_ORG_ADMIN),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/accept", response_model=CaseOut, summary="The mediator accepts the case")
async def accept(
    case_id: str, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.accept(session, outbox=outbox, now=clock.now(), case=case, actor=actor_of(principal, Role.MEDIATOR))
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/decline", response_model=CaseOut, summary="The mediator declines; the case moves on")
async def decline(
    case_id: str, body: DeclineIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.reassign(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        actor=actor_of(principal, Role.MEDIATOR),
        reason=f"declined by {principal.subject}: {body.reason}",
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/contacts", status_code=201, response_model=CaseOut, summary="Record a contact attempt")
async def contact(case_id: str, body: ContactIn, session: SessionDep, clock: ClockDep, principal: MediatorP) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.record_contact(
        session,
        now=clock.now(),
        case=case,
        actor=actor_of(principal, Role.MEDIATOR),
        detail={"kind": "contact", **body.model_dump(mode="json")},
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/sessions", status_code=201, response_model=CaseOut, summary="Record a session")
async def mediation_session(
    case_id: str, body: SessionIn, session: SessionDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.record_contact(
        session,
        now=clock.now(),
        case=case,
        actor=actor_of(principal, Role.MEDIATOR),
        detail={"kind": "session", **body.model_dump(mode="json")},
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/extensions", response_model=CaseOut, summary="Extend with every party's consent")
async def extend(
    case_id: str, body: ExtensionIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.extend(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        days=body.days,
        consents=body.consents,
        actor=actor_of(principal, Role.MEDIATOR),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/suspension", response_model=CaseOut, summary="Appraisal starts: the period stops")
async def suspend(
    case_id: str, body: SuspensionIn, session: SessionDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.suspend(
        session, now=clock.now(), case=case, reason=body.reason, actor=actor_of(principal, Role.MEDIATOR)
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/resumption", response_model=CaseOut, summary="Appraisal ends: the period runs again")
async def resume(case_id: str, session: SessionDep, clock: ClockDep, principal: MediatorP) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.resume(session, now=clock.now(), case=case, actor=actor_of(principal, Role.MEDIATOR))
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/agreement", response_model=CaseOut, summary="Record the agreement for signature")
async def agreement(
    case_id: str, body: AgreementIn, session: SessionDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.draft_agreement(
        session,
        now=clock.now(),
        case=case,
        settled_amount=body.settled_amount,
        instalments=body.instalments,
        actor=actor_of(principal, Role.MEDIATOR),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/signatures", response_model=CaseOut, summary="A party signed the agreement")
async def signature(
    case_id: str, body: SignatureIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.sign(
        session, outbox=outbox, now=clock.now(), case=case, party=body.party, actor=actor_of(principal, Role.MEDIATOR)
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/failure", response_model=CaseOut, summary="Close the mediation as failed")
async def failure(
    case_id: str, body: FailureIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: MediatorP
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await service.fail(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        ground=body.ground,
        reason=body.reason,
        claimant_maintains_claim=body.claimant_maintains_claim,
        actor=actor_of(principal, Role.MEDIATOR),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/confirmation", response_model=CaseOut, summary="Both parties apply for 司法确认")
async def request_confirmation(
    case_id: str, body: ConfirmationIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Applicant
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await confirmation.request_confirmation(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        applicants=body.applicants,
        actor=actor_in(principal, Role.MEDIATOR, Role.BANK_OPERATOR),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/confirmation/acceptance", response_model=CaseOut, summary="The court accepts it")
async def accept_confirmation(case_id: str, session: SessionDep, clock: ClockDep, principal: Judge) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await confirmation.accept_confirmation(
        session, now=clock.now(), case=case, actor=actor_of(principal, Role.TRIAL_JUDGE)
    )
    await session.commit()
    return case_out(case, clock.now())


@router.post("/cases/{case_id}/confirmation/decision", response_model=CaseOut, summary="Confirm or dismiss")
async def decide_confirmation(
    case_id: str, body: DecisionIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Judge
) -> CaseOut:
    case = await _mine(session, principal, case_id)
    await confirmation.decide_confirmation(
        session,
        outbox=outbox,
        now=clock.now(),
        case=case,
        decision=body.decision,
        reasons=body.reasons,
        president_extension=body.president_extension,
        actor=actor_of(principal, Role.TRIAL_JUDGE),
    )
    await session.commit()
    return case_out(case, clock.now())


@router.get(
    "/statistics",
    response_model=StatisticsOut,
    summary="Success rate, duration, confirmations, cases per mediator and bank, for your scope",
)
async def statistics(
    session: SessionDep,
    principal: StatsReader,
    reporting: PeriodDep,
) -> StatisticsOut:
    stats, per_mediator, per_bank = await queries.statistics(
        session, principal=principal, period_from=reporting.start, period_to=reporting.end
    )
    return StatisticsOut(
        period_from=reporting.start,
        period_to=reporting.end,
        cases_per_mediator=per_mediator,
        cases_per_bank=per_bank,
        **vars(stats),
    )
