"""Reading cases, always scoped to the caller: a mediator their own cases, an organisation its cases (and the
unassigned pool), a bank its own disputes, a court's judges and analysts their court's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import beijing_day_start
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.planning import plan_for_the_values
from courtlink_shared.db.value_lists import one_of
from courtlink_shared.errors import NotFound
from sqlalchemy import and_, case, func, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from finance_mediation.models import (
    Activity,
    CaseFigures,
    CourtRegistration,
    MediationCase,
    Mediator,
    OpenedFigures,
    Organisation,
)
from finance_mediation.rules import (
    BANK,
    CLOSED,
    COURT,
    DEADLINE_IN_FORCE,
    ORGANISATION,
    PERIOD_DEADLINE,
    POOL,
    CaseStatus,
    Extension,
    MediationStatistics,
    case_overdue,
    confirmation_deadlines,
    confirmation_flags,
    days_of,
    deadline_in_force,
    mediation_figures,
)


async def disputes_with_cases(session: AsyncSession, dispute_ids: list[str]) -> set[str]:
    """Which of these disputes have a case already."""
    rows = await session.execute(select(MediationCase.dispute_id).where(one_of(MediationCase.dispute_id, dispute_ids)))
    return set(rows.scalars())


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """Which cases the caller may see."""
    clauses: list[ColumnElement[bool]] = []
    if Role.MEDIATOR in principal.roles:
        # The subject alone is not enough: another organisation may have a mediator of the same name.
        clauses.append(
            and_(
                MediationCase.mediator_id == principal.subject,
                MediationCase.organisation_code == principal.organisation,
            )
        )
    if Role.MEDIATION_ORG_ADMIN in principal.roles:
        clauses.append(MediationCase.organisation_code == principal.organisation)
        # The pool waiting for a mediator: only of the courts that registered this organisation.
        served = select(CourtRegistration.court_code).where(
            CourtRegistration.organisation_code == principal.organisation
        )
        clauses.append(and_(MediationCase.status == CaseStatus.OPENED, MediationCase.court_code.in_(served)))
    if Role.BANK_OPERATOR in principal.roles:
        clauses.append(MediationCase.claimant_code == principal.organisation)
    if principal.roles & {Role.TRIAL_JUDGE, Role.ANALYST}:
        clauses.append(MediationCase.court_code == principal.organisation)
    return or_(*clauses) if clauses else MediationCase.id.is_(None)


def seen_through_pool(principal: Principal, mediation_case: MediationCase) -> bool:
    """Whether the caller sees this case only as an organisation looking into its court's pool: then only what
    it takes to decide on the case is shown, not the parties' ID numbers, phones or addresses."""
    if mediation_case.organisation_code == principal.organisation and Role.MEDIATION_ORG_ADMIN in principal.roles:
        return False
    if Role.BANK_OPERATOR in principal.roles and mediation_case.claimant_code == principal.organisation:
        return False
    if principal.roles & {Role.TRIAL_JUDGE, Role.ANALYST} and mediation_case.court_code == principal.organisation:
        return False
    return Role.MEDIATION_ORG_ADMIN in principal.roles


def pool_snapshot(dispute: dict[str, Any]) -> dict[str, Any]:
    """The dispute as the pool shows it: type, court, claimant, amounts, dates and the respondents' names."""
    kept: dict[str, Any] = {
        k: dispute[k] for k in ("dispute_type", "court_code", "claimant", "claim", "default_date") if k in dispute
    }
    kept["respondents"] = [{"kind": r.get("kind"), "name": r.get("name")} for r in dispute.get("respondents", [])]
    return kept


async def get_case(
    session: AsyncSession, *, principal: Principal, case_id: str, for_update: bool = False
) -> MediationCase:
    """The case if the caller may see it; 404 otherwise."""
    query = select(MediationCase).where(MediationCase.id == case_id, visible_to(principal))
    if for_update:
        query = await lock_for_update(session, query)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound("case not found")
    return found


def next_deadline(mediation_case: MediationCase) -> datetime | None:
    """The deadline the case is working towards now."""
    name = deadline_in_force(CaseStatus(mediation_case.status))
    return None if name is None else getattr(mediation_case, name)


def deadlines_of(mediation_case: MediationCase) -> dict[str, datetime | None]:
    """Every deadline of the case by name: assignment, acceptance, the mediation period, judicial confirmation."""
    return {
        "assign_by": mediation_case.assign_by,
        "accept_by": mediation_case.accept_by,
        "due_at": mediation_case.due_at,
        **confirmation_deadlines(
            agreement_effective_at=mediation_case.agreement_effective_at,
            requested_at=mediation_case.confirmation_requested_at,
            accepted_at=mediation_case.confirmation_accepted_at,
            decision_extended=mediation_case.confirmation_extended,
        ),
    }


def is_overdue(mediation_case: MediationCase, now: datetime) -> bool:
    return case_overdue(CaseStatus(mediation_case.status), next_deadline(mediation_case), now)


def flags(mediation_case: MediationCase, now: datetime) -> dict[str, bool]:
    window = confirmation_flags(
        now=now,
        agreement_effective_at=mediation_case.agreement_effective_at,
        requested_at=mediation_case.confirmation_requested_at,
        accepted_at=mediation_case.confirmation_accepted_at,
        decided_at=mediation_case.confirmation_decided_at,
        decision_extended=mediation_case.confirmation_extended,
    )
    return {
        "application_window_closed": window.application_window_closed,
        "acceptance_overdue": window.acceptance_overdue,
        "decision_overdue": window.decision_overdue,
    }


async def list_cases(
    session: AsyncSession, *, principal: Principal, status: CaseStatus | None, limit: int
) -> list[MediationCase]:
    """The caller's cases, the nearest deadline first (a mediator's work queue)."""
    query = select(MediationCase).where(visible_to(principal))
    if status is not None:
        query = query.where(MediationCase.status == status)
    deadline = case(
        *((MediationCase.status == status, getattr(MediationCase, name)) for status, name in DEADLINE_IN_FORCE.items()),
        else_=getattr(MediationCase, PERIOD_DEADLINE),
    )
    closed_last = case((MediationCase.status.in_([s.value for s in CLOSED]), 1), else_=0)
    query = query.order_by(closed_last, deadline.asc().nulls_last(), MediationCase.opened_at).limit(limit)
    return list((await session.execute(query)).scalars())


ConfirmationState = Literal["waiting", "decided"]


async def confirmation_cases(
    session: AsyncSession, *, principal: Principal, state: ConfirmationState, limit: int
) -> list[MediationCase]:
    """The caller's cases whose parties applied for judicial confirmation: those waiting for the court to accept or
    decide, the earliest application first (a judge's queue), or those decided, the latest decision first."""
    query = select(MediationCase).where(visible_to(principal), MediationCase.confirmation_requested_at.is_not(None))
    if state == "waiting":
        query = query.where(MediationCase.confirmation_decided_at.is_(None)).order_by(
            MediationCase.confirmation_requested_at, MediationCase.id
        )
    else:
        query = query.where(MediationCase.confirmation_decided_at.is_not(None)).order_by(
            MediationCase.confirmation_decided_at.desc(), MediationCase.id
        )
    return list((await session.execute(query.limit(limit))).scalars())


# An organisation's overview reads at most this many of its cases; far above any organisation's caseload.
OVERVIEW_LIMIT = 10_000


async def overdue_cases(session: AsyncSession, *, principal: Principal, now: datetime) -> list[MediationCase]:
    """The caller's cases past a deadline (an organisation's overview), in work-queue order."""
    cases = await list_cases(session, principal=principal, status=None, limit=OVERVIEW_LIMIT)
    return [c for c in cases if is_overdue(c, now)]


async def own_mediator(session: AsyncSession, *, principal: Principal, mediator_id: str) -> Mediator:
    """One of the caller's organisation's mediators; another organisation's answers NotFound."""
    mediator = await session.get(Mediator, mediator_id)
    if mediator is None or mediator.organisation_code != principal.organisation:
        raise NotFound("mediator not found")
    return mediator


async def mediators_with_loads(session: AsyncSession, *, principal: Principal) -> list[tuple[Mediator, int]]:
    """The caller's organisation's roster, each mediator with its count of active cases."""
    rows = await session.execute(
        select(Mediator)
        .where(Mediator.organisation_code == principal.organisation)
        .order_by(Mediator.id)
        .execution_options(populate_existing=True)
    )
    return [(m, m.active_cases) for m in rows.scalars()]


async def load_of(session: AsyncSession, mediator: Mediator) -> int:
    """A mediator's count of active cases, as committed."""
    return int((await session.execute(select(Mediator.active_cases).where(Mediator.id == mediator.id))).scalar_one())


async def activities_of(session: AsyncSession, case_id: str) -> list[Activity]:
    rows = await session.execute(select(Activity).where(Activity.case_id == case_id).order_by(Activity.at, Activity.id))
    return list(rows.scalars())


Statistics = tuple[MediationStatistics, dict[str, int], dict[str, int]]


async def statistics(session: AsyncSession, *, principal: Principal, period_from: date, period_to: date) -> Statistics:
    """Figures for cases closed in the period, plus cases per mediator and per bank (opened in the period), for
    the cases the caller sees. Summed from the figures kept per holder and day (figures.py) when the caller sees
    them through one holder (a court, a bank, an organisation with its pools): a few rows a day whatever the
    number of cases. Counted from the cases for a caller whose roles overlap, whose union sums would count twice."""
    await plan_for_the_values(session)
    kept = _kept_holders(principal)
    if kept is None:
        return await _counted_statistics(session, principal=principal, period_from=period_from, period_to=period_to)
    return await _kept_statistics(session, kept, period_from=period_from, period_to=period_to)


HolderCondition = Callable[[type[CaseFigures] | type[OpenedFigures]], ColumnElement[bool]]


def _kept_holders(principal: Principal) -> HolderCondition | None:
    """Which holders' kept figures are the caller's, as a condition on a figures table. None when the caller's
    roles see the cases through more than one kind of holder, or through none that is kept (a mediator alone,
    whose own cases are few and read through the index on mediator)."""
    court = bool(principal.roles & {Role.TRIAL_JUDGE, Role.ANALYST})
    bank = Role.BANK_OPERATOR in principal.roles
    organisation = Role.MEDIATION_ORG_ADMIN in principal.roles  # its mediators' cases are among its own
    if court + bank + organisation != 1:
        return None
    code = principal.organisation
    if court:
        return lambda figures: and_(figures.scope == COURT, figures.holder == code)
    if bank:
        return lambda figures: and_(figures.scope == BANK, figures.holder == code)
    served = select(CourtRegistration.court_code).where(CourtRegistration.organisation_code == code)
    return lambda figures: or_(
        and_(figures.scope == ORGANISATION, figures.holder == code),
        and_(figures.scope == POOL, figures.holder.in_(served)),
    )


async def _kept_statistics(
    session: AsyncSession, held: HolderCondition, *, period_from: date, period_to: date
) -> Statistics:
    f, o = CaseFigures, OpenedFigures
    sums = (
        await session.execute(
            select(
                *(
                    func.coalesce(func.sum(column), 0)
                    for column in (
                        f.closed,
                        f.settled,
                        f.accepted_and_closed,
                        f.acceptance_to_closure_us,
                        f.confirmation_requested,
                        f.confirmed,
                    )
                )
            ).where(held(f), f.day.between(period_from, period_to))
        )
    ).one()
    closed, settled, durations, microseconds, requested, confirmed = (int(n) for n in sums)
    opened = await session.execute(
        select(o.per, o.whom, func.sum(o.opened))
        .where(held(o), o.day.between(period_from, period_to))
        .group_by(o.per, o.whom)
        .order_by(o.per, o.whom)
    )
    per: dict[str, dict[str, int]] = {"mediator": {}, "bank": {}}
    for kind, whom, count in opened:
        if count:
            per[kind][whom] = int(count)
    stats = mediation_figures(
        closed=closed,
        settled=settled,
        total_duration_days=days_of(microseconds),
        durations=durations,
        confirmation_requested=requested,
        confirmed=confirmed,
    )
    return stats, per["mediator"], per["bank"]


async def _counted_statistics(
    session: AsyncSession, *, principal: Principal, period_from: date, period_to: date
) -> Statistics:
    """`statistics` counted from the cases themselves, in one pass over the cases in scope grouped by mediator and
    bank (a few hundred groups at most): for a caller who sees the cases through more than one holder."""
    start, end = beijing_day_start(period_from), beijing_day_start(period_to + timedelta(days=1))
    mc = MediationCase
    opened = and_(mc.opened_at >= start, mc.opened_at < end)
    closed = and_(mc.closed_at >= start, mc.closed_at < end)
    requested = and_(mc.confirmation_requested_at >= start, mc.confirmation_requested_at < end)
    confirmed = and_(
        mc.confirmation_decided_at >= start,
        mc.confirmation_decided_at < end,
        mc.confirmation_decision == "confirmed",
    )
    accepted_and_closed = and_(closed, mc.accepted_at.is_not(None))
    postgres = session.get_bind().dialect.name == "postgresql"
    # PostgreSQL sums exact intervals; SQLite keeps times as text, so its pairs are read and summed below.
    seconds = func.sum(func.extract("epoch", mc.closed_at - mc.accepted_at)).filter(accepted_and_closed)
    groups = (
        await session.execute(
            select(
                mc.mediator_id,
                mc.claimant_code,
                func.count().filter(opened),
                func.count().filter(closed),
                func.count().filter(closed, mc.outcome == "settled"),
                func.count().filter(requested),
                func.count().filter(confirmed),
                func.count().filter(accepted_and_closed),
                seconds if postgres else null(),
            )
            .where(visible_to(principal), or_(opened, closed, requested, confirmed))
            .group_by(mc.mediator_id, mc.claimant_code)
        )
    ).all()
    per_mediator: dict[str, int] = {}
    per_bank: dict[str, int] = {}
    totals = [0, 0, 0, 0, 0]
    total_seconds = Decimal(0)
    for mediator_id, bank, opened_count, *counts, group_seconds in groups:
        if opened_count and mediator_id is not None:
            per_mediator[str(mediator_id)] = per_mediator.get(str(mediator_id), 0) + int(opened_count)
        if opened_count:
            per_bank[bank] = per_bank.get(bank, 0) + int(opened_count)
        totals = [t + int(c) for t, c in zip(totals, counts, strict=True)]
        total_seconds += Decimal(group_seconds or 0)
    closed_count, settled, requested_count, confirmed_count, durations = totals
    if postgres:
        total_days = float(total_seconds) / 86400
    else:
        total_days, durations = await _acceptance_to_closure_days(session, and_(visible_to(principal), closed))
    stats = mediation_figures(
        closed=closed_count,
        settled=settled,
        total_duration_days=total_days,
        durations=durations,
        confirmation_requested=requested_count,
        confirmed=confirmed_count,
    )
    return stats, per_mediator, per_bank


async def _acceptance_to_closure_days(session: AsyncSession, closed: ColumnElement[bool]) -> tuple[float, int]:
    """The days from acceptance to closure of the accepted cases among `closed`, summed, and how many they are,
    read pair by pair and summed as `mediation_statistics` does (SQLite: julianday's floating point would move
    averages that fall on a rounding edge)."""
    pairs = await session.execute(
        select(MediationCase.accepted_at, MediationCase.closed_at).where(closed, MediationCase.accepted_at.is_not(None))
    )
    days = [(c - a).total_seconds() / 86400 for a, c in pairs if a is not None and c is not None]
    return sum(days), len(days)


async def extensions_of(session: AsyncSession, case_id: str) -> list[Extension]:
    """The extensions granted in a case, as its activities recorded them."""
    rows = await session.execute(
        select(Activity.detail).where(Activity.case_id == case_id, Activity.kind == "extended")
    )
    return [
        Extension(
            days=int(detail["days"]),
            consents=frozenset((c["party"], datetime.fromisoformat(c["consented_at"])) for c in detail["consents"]),
        )
        for detail in rows.scalars()
    ]


def suspended_days(mediation_case: MediationCase, now: datetime) -> Decimal:
    seconds = mediation_case.suspended_seconds + (
        int((now - mediation_case.suspended_since).total_seconds()) if mediation_case.suspended_since else 0
    )
    return (Decimal(seconds) / Decimal(86400)).quantize(Decimal("0.01"))


async def court_registrations(
    session: AsyncSession, *, principal: Principal
) -> list[tuple[CourtRegistration, str | None]]:
    """The organisations on the caller's court's roster, by code, each with its name (None until the
    organisation has entered it)."""
    rows = await session.execute(
        select(CourtRegistration, Organisation.name)
        .outerjoin(Organisation, Organisation.code == CourtRegistration.organisation_code)
        .where(CourtRegistration.court_code == principal.organisation)
        .order_by(CourtRegistration.organisation_code)
    )
    return [(registration, name) for registration, name in rows]
