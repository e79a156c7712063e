"""A statistics transaction plans its statements for their values, and only that transaction: the writes that
follow on the same pooled connection keep PostgreSQL's cached plans."""

from __future__ import annotations

from courtlink_shared.db.planning import plan_for_the_values
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


async def _mode(session: AsyncSession) -> str:
    return str((await session.execute(text("SHOW plan_cache_mode"))).scalar_one())


async def test_the_transaction_plans_for_the_values_and_the_next_one_does_not(engine: AsyncEngine) -> None:
    # One connection, as the pool would hand it out again.
    async with engine.connect() as connection, AsyncSession(bind=connection) as session:
        await plan_for_the_values(session)
        assert await _mode(session) == "force_custom_plan"
        await session.commit()
        assert await _mode(session) == "auto"
