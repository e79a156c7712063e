"""A column compared with a list of values (`one_of`): the rows `in_` would find, for lists of any length (none,
one, many, with quotes and Chinese), in reads, updates and next to other conditions; one statement whatever
the length; on PostgreSQL and on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from courtlink_shared.db.value_lists import one_of
from sqlalchemy import BigInteger, Column, MetaData, String, Table, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_metadata = MetaData()
ITEMS = Table(
    "value_list_items",
    _metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("reference", String(36), nullable=False, unique=True),
    Column("owner", String(20), nullable=False),
    Column("note", String(20), nullable=True),
)
REFERENCES = [f"REF-{n}" for n in range(40)] + ["it's", 'say "hi"', "纠纷-7"]


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
        rows = [{"id": n, "reference": r, "owner": "A" if n % 2 else "B"} for n, r in enumerate(REFERENCES)]
        await connection.execute(ITEMS.insert(), rows)
    return session_factory


async def _references(sessions: async_sessionmaker[AsyncSession], *where: Any) -> list[str]:
    async with sessions() as session:
        return sorted((await session.execute(select(ITEMS.c.reference).where(*where))).scalars())


@pytest.mark.parametrize(
    "wanted",
    [[], ["REF-3"], ["REF-1", "REF-2", "REF-39", "absent"], ["it's", 'say "hi"', "纠纷-7"], REFERENCES],
)
async def test_it_finds_what_in_finds(sessions: async_sessionmaker[AsyncSession], wanted: list[str]) -> None:
    by_one_of = await _references(sessions, one_of(ITEMS.c.reference, wanted))
    assert by_one_of == await _references(sessions, ITEMS.c.reference.in_(wanted))
    assert by_one_of == sorted(set(wanted) & set(REFERENCES))


async def test_numbers_next_to_other_conditions(sessions: async_sessionmaker[AsyncSession]) -> None:
    found = await _references(sessions, one_of(ITEMS.c.id, range(10)), ITEMS.c.owner == "A")
    assert found == ["REF-1", "REF-3", "REF-5", "REF-7", "REF-9"]


async def test_an_update_changes_only_the_rows_listed(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        changed = await session.execute(update(ITEMS).where(one_of(ITEMS.c.id, [4, 5, 99])).values(note="seen"))
        await session.commit()
    assert changed.rowcount == 2  # type: ignore[attr-defined]
    assert await _references(sessions, ITEMS.c.note == "seen") == ["REF-4", "REF-5"]


async def test_one_statement_whatever_the_length(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The point of it: lists of 1, 3 and 43 values run the same SQL (`in_` would run three statements)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        for wanted in (["REF-1"], ["REF-1", "REF-2", "REF-3"], REFERENCES):
            assert len(await _references(sessions, one_of(ITEMS.c.reference, wanted))) == len(wanted)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(set(statements)) == 1, statements


async def test_a_young_table_is_not_searched_value_by_value(engine: AsyncEngine) -> None:
    """PostgreSQL's plan for any list (generic), on a table whose statistics are not yet gathered: the list must be
    joined to the table, not kept as a filter that looks for each row in the list one value after another (an
    inbox of 3,000 rows and 500 ids took 65 ms that way)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL plan")
    young = Table("value_list_young", MetaData(), Column("id", String(36), primary_key=True))
    statement = select(young.c.id).where(one_of(young.c.id, [f"id-{n}" for n in range(500)]))
    compiled = statement.compile(dialect=engine.dialect)
    sql, values = str(compiled), [compiled.params[name] for name in compiled.positiontup or ()]
    async with engine.connect() as connection:
        await connection.run_sync(young.metadata.create_all)
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute("INSERT INTO value_list_young SELECT 'id-' || n FROM generate_series(1, 3000) AS n")
        await raw.execute("SET plan_cache_mode = force_generic_plan")
        [explained] = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *values)  # the engine decodes JSON
    plan = explained["Plan"]
    filters = [node.get("Filter", "") for node in _nodes(plan)]
    assert not any("ANY" in condition for condition in filters), plan


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]
