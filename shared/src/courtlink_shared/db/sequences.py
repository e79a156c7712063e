"""Gap-free numbering (case numbers, judicial advice numbers): n runs per scope and year without gaps.

The increment is one atomic upsert inside the caller's transaction: it holds the row lock until that transaction
ends, so concurrent allocations queue up, and a rolled-back transaction gives its number back (no gap).
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from courtlink_shared.db.platform_tables import number_sequences


async def next_number(session: AsyncSession, *, scope: str, year: int) -> int:
    """Allocate the next n in (scope, year), starting at 1, in the session's current transaction."""
    return (await next_numbers(session, scope=scope, year=year, count=1))[0]


async def next_numbers(session: AsyncSession, *, scope: str, year: int, count: int) -> list[int]:
    """Allocate `count` consecutive numbers in one statement (batches number thousands of rows at once)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(number_sequences).values(scope=scope, year=year, last_n=count)
    stmt = upsert.on_conflict_do_update(
        index_elements=[number_sequences.c.scope, number_sequences.c.year],
        set_={"last_n": number_sequences.c.last_n + count},
    ).returning(number_sequences.c.last_n)
    last = int((await session.execute(stmt)).scalar_one())
    return list(range(last - count + 1, last + 1))
