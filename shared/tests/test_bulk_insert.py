"""Many rows in one statement (`insert_rows`): stored exactly as an executemany stores them (JSON, aware UTC times,
money, NULLs, Chinese text), in the order given, with the defaults of the columns left out; a duplicate fails as
any insert does and leaves nothing; on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from courtlink_shared.db.bulk_insert import insert_new_rows, insert_rows
from courtlink_shared.db.types import Money, UtcDateTime
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_metadata = MetaData()


def _steps(name: str) -> Table:
    return Table(
        name,
        _metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("subject", String(36), nullable=False, unique=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("summary", Text, nullable=True),
        Column("amount", Money(), nullable=True),
        Column("detail", JSON, nullable=False),
        Column("items", JSON, nullable=False),
        Column("note", JSON, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("kind", String(20), nullable=False, server_default="step"),
    )


UNNESTED, EXECUTEMANY = _steps("unnested"), _steps("executemany")
WITH_CALLABLE_DEFAULT = Table(
    "numbered",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("tag", String(20), nullable=False, default=lambda: "tagged"),
)
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


@pytest.fixture
async def sessions(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    """The plugin's sessions, on a database holding this module's tables."""
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    return session_factory


def _row(n: int) -> dict[str, Any]:
    return {
        "subject": f"s-{n}",
        "at": START + timedelta(seconds=n),
        "summary": None if n % 3 == 0 else f'银行提交纠纷，第{n}条 "quoted" {{braces}}',
        "amount": None if n % 4 == 0 else Decimal("1234.5") + n,
        "detail": {"n": n, "nested": {"list": [n, None, "中"]}, "empty": {}},
        "items": [] if n % 2 else [{"kind": "contract", "pages": n}, "text"],  # a list is a value, not an array
        "note": None if n % 5 else {"n": n},  # None is JSON's null, as an executemany stores it
    }


async def _stored(sessions: async_sessionmaker[AsyncSession], table: Table) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        return [tuple(row) for row in await session.execute(select(table).order_by(table.c.id))]


async def _sql_nulls(sessions: async_sessionmaker[AsyncSession], table: Table) -> list[int]:
    """How many rows hold SQL NULL in each nullable column (JSON's null reads back as None too)."""
    async with sessions() as session:
        nullable = [column for column in table.c if column.nullable]
        query = select(*(func.count().filter(column.is_(None)) for column in nullable))
        return list((await session.execute(query)).one())


async def test_rows_are_stored_as_an_executemany_stores_them_in_the_order_given(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rows = [_row(n) for n in (7, 3, 12, 0, 1, 5, 8, 2)] + [_row(n) for n in range(100, 1100)]
    async with sessions() as session:
        await insert_rows(session, UNNESTED, rows)
        await session.execute(insert(EXECUTEMANY), rows)
        await session.commit()

    unnested, executemany = await _stored(sessions, UNNESTED), await _stored(sessions, EXECUTEMANY)
    assert unnested == executemany
    assert await _sql_nulls(sessions, UNNESTED) == await _sql_nulls(sessions, EXECUTEMANY)
    assert [row[1] for row in unnested] == [row["subject"] for row in rows]  # ids follow the order given
    first = unnested[0]
    assert first[2] == START + timedelta(seconds=7)
    assert first[2].tzinfo == UTC
    assert first[4] == Decimal("1241.50")
    assert first[5] == {"n": 7, "nested": {"list": [7, None, "中"]}, "empty": {}}
    assert [row[6] for row in unnested[:3]] == [[], [], [{"kind": "contract", "pages": 12}, "text"]]
    assert (first[8], first[9]) == (0, "step")  # the scalar default and the server's


async def test_a_column_with_a_default_computed_per_row_gets_it(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await insert_rows(session, WITH_CALLABLE_DEFAULT, [{"id": 1}, {"id": 2}])
        await session.commit()
    assert await _stored(sessions, WITH_CALLABLE_DEFAULT) == [(1, "tagged"), (2, "tagged")]


async def test_a_duplicate_fails_as_an_insert_does_and_nothing_of_the_rows_is_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await insert_rows(session, UNNESTED, [_row(1)])
        await session.commit()
    async with sessions() as session:
        with pytest.raises(IntegrityError):
            await insert_rows(session, UNNESTED, [_row(2), _row(1), _row(3)])
        await session.rollback()
    assert [row[1] for row in await _stored(sessions, UNNESTED)] == ["s-1"]


async def test_new_rows_only_are_inserted_and_named(sessions: async_sessionmaker[AsyncSession]) -> None:
    """`insert_new_rows` (an inbox claiming a poll's events): the rows whose key is free go in, the others are
    skipped without an error, and the keys of those inserted come back."""
    async with sessions() as session:
        await insert_rows(session, UNNESTED, [_row(2)])
        await session.commit()
    async with sessions() as session:
        inserted = await insert_new_rows(session, UNNESTED, [_row(1), _row(2), _row(3)], returning="subject")
        assert sorted(inserted) == ["s-1", "s-3"]
        assert await insert_new_rows(session, UNNESTED, [], returning="subject") == []
        await session.commit()
    assert [row[1] for row in await _stored(sessions, UNNESTED)] == ["s-2", "s-1", "s-3"]
    assert [row[3] for row in await _stored(sessions, UNNESTED)][1:] == [_row(1)["summary"], _row(3)["summary"]]


async def test_a_row_another_transaction_is_inserting_waits_for_its_outcome(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Two deliveries of the same events at once: the second claim waits for the first transaction, then skips
    what it committed (no error, nothing handled twice); what a rolled-back transaction had claimed is free."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    async with sessions() as first, sessions() as second:
        assert await insert_new_rows(first, UNNESTED, [_row(1), _row(2)], returning="subject") == ["s-1", "s-2"]
        waiting = asyncio.create_task(insert_new_rows(second, UNNESTED, [_row(2), _row(3)], returning="subject"))
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the second claim waits for the first transaction"
        await first.commit()
        assert await waiting == ["s-3"]
        await second.rollback()
    async with sessions() as third:
        assert await insert_new_rows(third, UNNESTED, [_row(3)], returning="subject") == ["s-3"]
        await third.commit()


async def test_no_rows_is_nothing_to_do_and_rows_must_name_the_same_columns(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await insert_rows(session, UNNESTED, [])
        uneven = [_row(1), {k: v for k, v in _row(2).items() if k != "summary"}]
        with pytest.raises(ValueError, match="same columns"):
            await insert_rows(session, UNNESTED, uneven)
        await session.rollback()
    assert await _stored(sessions, UNNESTED) == []


def test_any_number_of_rows_makes_the_same_statement() -> None:
    """One statement text whatever the number of rows: it is prepared once per connection, not once per size."""
    from courtlink_shared.db.bulk_insert import _many_rows
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    sizes = itertools.chain(range(1, 5), (500, 1000))
    texts = {str(_many_rows(UNNESTED, [_row(n) for n in range(size)], dialect)[0]) for size in sizes}
    assert len(texts) == 1
    assert "unnest" in texts.pop()
