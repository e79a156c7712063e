"""Counters kept with the writes (`tally`): added up within a transaction and written at its commit, added to the
row already there, nothing written by a transaction that rolls back, and no count lost when transactions add to
the same row at the same moment; on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from courtlink_shared.db.tallies import tally
from courtlink_shared.deadlines.sweep import schedule_deadline
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_figures = Table(
    "figures",
    MetaData(),
    Column("place", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("opened", Integer, nullable=False, server_default="0"),
    Column("closed", Integer, nullable=False, server_default="0"),
)
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


@pytest.fixture
async def sessions(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    """The plugin's sessions, on a database holding this module's tables."""
    async with engine.begin() as connection:
        await connection.run_sync(_figures.metadata.create_all)
    return session_factory


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, date, int, int]]:
    async with sessions() as session:
        rows = await session.execute(select(_figures).order_by(_figures.c.place, _figures.c.day))
        return [(place, day, opened, closed) for place, day, opened, closed in rows]


async def test_counts_are_summed_per_row_and_added_to_the_row_already_there(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": 2})
        tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": 1, "closed": 1})
        tally(session, _figures, {"place": "B", "day": TUESDAY}, {"closed": 1})
        tally(session, _figures, {"place": "C", "day": TUESDAY}, {"opened": 1})
        tally(session, _figures, {"place": "C", "day": TUESDAY}, {"opened": -1})  # nothing left: no row
        await session.commit()
    assert await _rows(sessions) == [("A", MONDAY, 3, 1), ("B", TUESDAY, 0, 1)]

    async with sessions() as session:
        tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": -1, "closed": 2})
        await session.commit()
    assert await _rows(sessions) == [("A", MONDAY, 2, 3), ("B", TUESDAY, 0, 1)]


async def test_a_transaction_that_rolls_back_counts_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": 5})
        await session.rollback()
        tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": 1})
        await session.commit()
    assert await _rows(sessions) == [("A", MONDAY, 1, 0)]


async def test_no_count_is_lost_when_transactions_add_to_the_same_rows_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def one_more(n: int) -> None:
        async with sessions() as session:
            # Half name the rows in the other order: the writes at commit take them in key order all the same.
            days = (MONDAY, TUESDAY) if n % 2 else (TUESDAY, MONDAY)
            for day in days:
                tally(session, _figures, {"place": "A", "day": day}, {"opened": 1})
            await session.commit()

    await asyncio.gather(*(one_more(n) for n in range(10)))
    assert await _rows(sessions) == [("A", MONDAY, 10, 0), ("A", TUESDAY, 10, 0)]


async def test_a_tally_is_written_after_the_transactions_other_writes(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Asked for first, the tally is still the last statement before the commit: its row, which every transaction
    of the day adds to, stays locked for the commit alone."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()[:3]))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with sessions() as session:
            tally(session, _figures, {"place": "A", "day": MONDAY}, {"opened": 1})
            await schedule_deadline(session, kind="k", subject="s", due_at=datetime(2026, 3, 9, tzinfo=UTC))
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert statements == ["INSERT INTO deadlines", "INSERT INTO figures"]
    assert await _rows(sessions) == [("A", MONDAY, 1, 0)]
