"""The connection pool on PostgreSQL: a connection that died while idle in the pool is replaced before anyone
uses it; one that dies while in use fails its statement as the database being away, and the next use works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from courtlink_shared.db import engine as engine_module
from courtlink_shared.db.engine import create_engine
from courtlink_shared.web.problems import database_unavailable
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()


async def _backend(pool: AsyncEngine) -> int:
    async with pool.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(database_url: str, pid: int) -> None:
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_killed_while_idle_is_replaced_before_use(
    pool: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend(pool)
    await _terminate(database_url, first)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # idle long enough to be checked

    assert await _backend(pool) != first


async def test_a_connection_killed_in_use_fails_as_unavailable_and_the_next_use_reconnects(
    pool: AsyncEngine, database_url: str
) -> None:
    first = await _backend(pool)
    await _terminate(database_url, first)  # just used: not checked again before its next use

    with pytest.raises(sa_exc.DBAPIError) as failure:
        await _backend(pool)
    assert database_unavailable(failure.value), "answered 503 with Retry-After, not 500"
    assert await _backend(pool) != first
