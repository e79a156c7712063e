"""Assigning mediators: the pure policy of rules.choose_mediator applied to the live roster, safely under
concurrency (the chosen mediator's row is locked and their load counted again before the case is theirs)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.transaction_state import transaction_state
from courtlink_shared.deadlines.sweep import cancel_deadlines, schedule_deadline
from courtlink_shared.events.mediation import MediatorAssigned
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation.models import MediationCase, Mediator
from finance_mediation.rules import ACTIVE, CaseStatus, LeastLoaded, MediatorLoad, accept_by, choose_mediator

ACCEPT_DEADLINE = "mediation.accept_by"
ASSIGN_RETRY = "mediation.assign_retry"
RETRY_AFTER = timedelta(hours=1)


async def active_cases(session: AsyncSession, mediator_ids: list[str] | None = None) -> dict[str, int]:
    """Active cases per mediator (assigned, in mediation, suspended, awaiting signatures)."""
    query = (
        select(MediationCase.mediator_id, func.count())
        .where(MediationCase.status.in_([s.value for s in ACTIVE]), MediationCase.mediator_id.is_not(None))
        .group_by(MediationCase.mediator_id)
    )
    if mediator_ids is not None:
        query = query.where(MediationCase.mediator_id.in_(mediator_ids))
    return {str(mediator_id): int(count) for mediator_id, count in await session.execute(query)}


def load_of(mediator: Mediator, active: int) -> MediatorLoad:
    return MediatorLoad(
        id=mediator.id,
        organisation_code=mediator.organisation_code,
        specialties=frozenset(mediator.specialties),
        capacity=mediator.capacity,
        active_cases=active,
        affiliations=frozenset(mediator.affiliations),
        available=mediator.available,
    )


async def roster(session: AsyncSession, *, lock: bool = False) -> list[tuple[Mediator, MediatorLoad]]:
    """Every mediator with their current load. With `lock`, the roster rows stay locked until the transaction
    ends, so that the loads read here stay exact while the transaction assigns cases (on SQLite: the
    database's write lock)."""
    query = select(Mediator).order_by(Mediator.id)
    if lock:
        query = await lock_for_update(session, query)
    mediators = list((await session.execute(query)).scalars())
    counts = await active_cases(session)
    return [(m, load_of(m, counts.get(m.id, 0))) for m in mediators]


@dataclass
class LockedRoster:
    """The roster as one transaction holds it."""

    mediators: dict[str, Mediator]
    loads: dict[str, MediatorLoad]
    least_loaded: LeastLoaded = field(init=False)

    def __post_init__(self) -> None:
        self.least_loaded = LeastLoaded(self.loads)  # shares `loads`: every assignment keeps both current


async def locked_roster(session: AsyncSession) -> LockedRoster:
    """The roster, locked and read once per transaction; the assignments made in it keep it current.

    One lock on the whole roster serialises assignments across replicas: no two transactions can both give
    a mediator their last free slot. A burst handled in one transaction pays for it once."""
    held: LockedRoster
    held, created = transaction_state(session, "_locked_roster", lambda: LockedRoster({}, {}))
    if created:
        for mediator, load in await roster(session, lock=True):
            held.mediators[mediator.id] = mediator
            held.loads[mediator.id] = load
    return held


async def assign_automatically(
    session: AsyncSession, *, outbox: Outbox, now: datetime, case: MediationCase, mode: str, reason: str
) -> Mediator | None:
    """Give the case to the least-loaded eligible mediator; with nobody eligible, try again later."""
    previous = case.mediator_id
    held = await locked_roster(session)
    choice = choose_mediator(
        list(held.loads.values()),
        dispute_type=case.dispute_type,
        claimant_code=case.claimant_code,
        excluded=case.declined_by,
    )
    if choice is None:
        await schedule_deadline(session, kind=ASSIGN_RETRY, subject=case.id, due_at=now + RETRY_AFTER)
        return None
    held.loads[choice.id] = replace(choice, active_cases=choice.active_cases + 1)
    mediator = held.mediators[choice.id]
    await give_case(
        session, outbox=outbox, now=now, case=case, mediator=mediator, mode=mode, reason=reason, previous=previous
    )
    return mediator


async def give_case(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    case: MediationCase,
    mediator: Mediator,
    mode: str,
    reason: str,
    previous: str | None,
) -> None:
    """Record the assignment, start the 3-working-day acceptance clock, and tell everyone."""
    if case.accept_by is not None:  # a reassignment: the previous mediator's clock stops
        await cancel_deadlines(session, kind=ACCEPT_DEADLINE, subject=case.id, now=now)
    case.mediator_id = mediator.id
    case.organisation_code = mediator.organisation_code
    case.status = CaseStatus.ASSIGNED
    case.assigned_at = now
    case.accept_by = accept_by(now)
    case.updated_at = now
    await announce_assignment(
        session,
        outbox=outbox,
        now=now,
        case_id=case.id,
        dispute_id=case.dispute_id,
        mediator=mediator,
        accept_by=case.accept_by,
        mode=mode,
        reason=reason,
        previous=previous,
    )


async def announce_assignment(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    case_id: str,
    dispute_id: str,
    mediator: Mediator,
    accept_by: datetime,
    mode: str,
    reason: str,
    previous: str | None,
) -> None:
    """Start the acceptance clock of an assignment already recorded on the case, and tell everyone."""
    await schedule_deadline(
        session, kind=ACCEPT_DEADLINE, subject=case_id, due_at=accept_by, payload={"mediator_id": mediator.id}
    )
    event = MediatorAssigned(
        dispute_id=dispute_id,
        case_id=case_id,
        mediator_id=mediator.id,
        mediator_name=mediator.name,
        organisation_code=mediator.organisation_code,
        mode=mode,
        reason=reason,
        previous_mediator_id=previous,
        accept_by=accept_by,
        assigned_at=now,
    )
    await outbox.emit(session, event, subject=dispute_id, time=now)
