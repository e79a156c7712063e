"""Statements planned for the values they are run with.

asyncpg prepares every statement, and after five runs PostgreSQL may keep one generic plan for all later values.
For a statistic that reads a range (a court, a period, the inquiries past a deadline that is "now") the best plan
depends on the values: a generic plan chosen without them can read the whole table where the values' own plan
reads a few index entries (enforcement's open inquiries past their deadline: 130 ms instead of 3 ms over 100,000
inquiries). The statistics' transactions therefore plan each statement for its values; writes keep the cached
plans, which suit their single-row lookups.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def plan_for_the_values(session: AsyncSession) -> None:
    """Plan every statement of the current transaction for the values it is run with (PostgreSQL; SQLite plans
    each statement anyway). Starts the transaction if none has begun."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
