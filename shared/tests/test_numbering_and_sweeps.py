"""Gap-free case numbers under concurrency, and deadline sweeps that fire once with two replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from courtlink_shared.clock import ControllableClock
from courtlink_shared.db.engine import create_engine, create_session_factory
from courtlink_shared.db.migrations import upgrade
from courtlink_shared.db.platform_tables import deadlines
from courtlink_shared.deadlines.sweep import DeadlineSweeper, DueDeadline, cancel_deadlines, schedule_deadline
from courtlink_shared.identifiers.case_number_allocation import allocate_case_number, allocate_case_numbers
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


async def test_100_concurrent_allocations_give_100_distinct_numbers_without_gaps(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def allocate() -> str:
        async with session_factory() as session, session.begin():
            number = await allocate_case_number(session, court_code="吉7101", type_code="民初", year=2026)
            return str(number)

    numbers = await asyncio.gather(*(allocate() for _ in range(100)))
    assert sorted(numbers) == sorted(f"（2026）吉7101民初{n}号" for n in range(1, 101))


async def test_a_rolled_back_allocation_leaves_no_gap(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        await allocate_case_number(session, court_code="吉7101", type_code="民特", year=2026)
        await session.rollback()
    async with session_factory() as session, session.begin():
        number = await allocate_case_number(session, court_code="吉7101", type_code="民特", year=2026)
    assert number.n == 1


async def test_sequences_run_per_court_type_and_year(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session, session.begin():
        a = await allocate_case_number(session, court_code="吉7101", type_code="执", year=2026)
        b = await allocate_case_number(session, court_code="吉7102", type_code="执", year=2026)
        c = await allocate_case_number(session, court_code="吉7101", type_code="执", year=2027)
        d = await allocate_case_number(session, court_code="吉7101", type_code="执", year=2026)
    assert (a.n, b.n, c.n, d.n) == (1, 1, 1, 2)


_acted = Table("acted", MetaData(), Column("subject", String(50)), Column("replica", Integer))


async def test_two_replicas_sweeping_at_once_act_on_each_due_item_once(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_acted.metadata.create_all)
    clock = ControllableClock(datetime(2026, 11, 24, tzinfo=UTC))
    async with session_factory() as session, session.begin():
        for i in range(300):
            await schedule_deadline(
                session, kind="expire", subject=f"case-{i}", due_at=clock.now() + timedelta(hours=1)
            )
        await schedule_deadline(session, kind="expire", subject="later", due_at=clock.now() + timedelta(days=3))
        await schedule_deadline(session, kind="expire", subject="cancelled", due_at=clock.now())
        await cancel_deadlines(session, kind="expire", subject="cancelled", now=clock.now())

    def handler_for(replica: int):  # type: ignore[no-untyped-def]
        async def act(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
            await session.execute(_acted.insert().values(subject=due.subject, replica=replica))
            await asyncio.sleep(0)  # let the other replica interleave

        return act

    clock.advance(timedelta(hours=2))
    replicas = [DeadlineSweeper(session_factory, {"expire": handler_for(r)}, clock, batch_size=25) for r in (1, 2)]
    fired = await asyncio.gather(*(r.sweep_once() for r in replicas))

    async with session_factory() as session:
        total = (await session.execute(select(func.count()).select_from(_acted))).scalar_one()
        distinct = (await session.execute(select(func.count(func.distinct(_acted.c.subject))))).scalar_one()
        per_replica: dict[int, int] = dict(
            (await session.execute(select(_acted.c.replica, func.count()).group_by(_acted.c.replica))).all()
        )
    assert sum(fired) == 300
    assert (total, distinct) == (300, 300)
    assert set(per_replica) == {1, 2}, "both replicas should share the work"
    assert await replicas[0].sweep_once() == 0, "nothing is due twice"


async def test_blocks_and_single_numbers_interleave_without_gaps(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def block() -> list[int]:
        async with session_factory() as session, session.begin():
            numbers = await allocate_case_numbers(
                session, court_code="吉7101", type_code="民诉前调", year=2026, count=25
            )
            return [n.n for n in numbers]

    async def single() -> list[int]:
        async with session_factory() as session, session.begin():
            number = await allocate_case_number(session, court_code="吉7101", type_code="民诉前调", year=2026)
            return [number.n]

    results = await asyncio.gather(*(block() if i % 2 else single() for i in range(20)))
    assert sorted(n for r in results for n in r) == list(range(1, 10 * 25 + 10 + 1))
    assert all(r == list(range(r[0], r[0] + len(r))) for r in results), "each block is consecutive"


async def test_a_failing_deadline_is_isolated_and_retried_while_the_others_fire(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_acted.metadata.create_all)
    clock = ControllableClock(datetime(2026, 11, 24, tzinfo=UTC))
    async with session_factory() as session, session.begin():
        for subject in ("a", "bad", "c"):
            await schedule_deadline(session, kind="expire", subject=subject, due_at=clock.now())
    broken = {"yes": True}

    async def act(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        await session.execute(_acted.insert().values(subject=due.subject, replica=1))
        if due.subject == "bad" and broken["yes"]:
            raise RuntimeError("downstream refused")

    sweeper = DeadlineSweeper(session_factory, {"expire": act}, clock)
    assert await sweeper.sweep_once() == 2
    broken["yes"] = False
    assert await sweeper.sweep_once() == 1, "the failed one is still due and fires once it can"
    async with session_factory() as session:
        subjects = (await session.execute(select(_acted.c.subject).order_by(_acted.c.subject))).scalars().all()
    assert subjects == ["a", "bad", "c"], "the failed attempt left nothing behind"


@pytest.fixture
async def sessions_on_either_database(either_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(either_database_url)
    await upgrade(engine)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_a_deadline_cancelled_by_an_earlier_handler_of_the_same_sweep_does_not_fire(
    sessions_on_either_database: async_sessionmaker[AsyncSession],
) -> None:
    """The sweep claims its batch in one statement; a handler that cancels a later deadline of the batch (a case
    closed by its first deadline needs no second) still stops it, and the row says cancelled, not fired."""
    session_factory = sessions_on_either_database
    clock = ControllableClock(datetime(2026, 11, 24, tzinfo=UTC))
    async with session_factory() as session, session.begin():
        await schedule_deadline(session, kind="accept", subject="case-1", due_at=clock.now())
        await schedule_deadline(session, kind="period", subject="case-1", due_at=clock.now() + timedelta(minutes=1))
        await schedule_deadline(session, kind="period", subject="case-2", due_at=clock.now() + timedelta(minutes=1))
    acted: list[tuple[str, str]] = []

    async def not_accepted(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        acted.append((due.kind, due.subject))
        await cancel_deadlines(session, kind="period", subject=due.subject, now=now)

    async def period_over(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        acted.append((due.kind, due.subject))

    clock.advance(timedelta(hours=1))
    sweeper = DeadlineSweeper(session_factory, {"accept": not_accepted, "period": period_over}, clock)
    assert await sweeper.sweep_once() == 2
    assert acted == [("accept", "case-1"), ("period", "case-2")]
    async with session_factory() as session:
        rows = (
            await session.execute(
                select(deadlines.c.kind, deadlines.c.subject, deadlines.c.fired_at, deadlines.c.cancelled_at)
            )
        ).all()
    state = {(kind, subject): (fired is not None, cancelled is not None) for kind, subject, fired, cancelled in rows}
    assert state == {
        ("accept", "case-1"): (True, False),
        ("period", "case-1"): (False, True),
        ("period", "case-2"): (True, False),
    }
    assert await sweeper.sweep_once() == 0, "the cancelled one is not due again"
