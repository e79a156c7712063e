"""Reading a row in order to change it: the read and the change form one compare-and-set on both databases.

Every state transition reads its object, checks the rule (is the case still `assigned`? is the advice still
`approved`?) and writes. Two identical requests at the same moment must not both pass the check: the second
must read what the first wrote, and then answer 409 (or the original, where the operation is idempotent)
without allocating a number or writing an event.

- PostgreSQL: `SELECT … FOR UPDATE` locks the row until the transaction ends; a concurrent repeat waits for
  the lock and then reads the committed row (READ COMMITTED re-reads a row locked this way).
- SQLite has no row locks: Python's sqlite3 driver runs a SELECT outside any transaction and only opens one
  (deferred) before the first INSERT/UPDATE, so two requests could both read the old status and then both
  write, one after the other. `BEGIN IMMEDIATE` takes the database's write lock *before* the read; a concurrent
  repeat waits for it (the engine's busy timeout) and then reads what the first committed. Writers are
  serialised on SQLite anyway; this only moves the start of the write transaction before its own read.
"""

from __future__ import annotations

import hashlib
from typing import TypeVarTuple

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncSession

Ts = TypeVarTuple("Ts")


async def lock_for_update(session: AsyncSession, query: Select[*Ts]) -> Select[*Ts]:
    """`query` made to lock what it reads until the session's transaction ends (commit or rollback).

    Await this, then execute the returned query in the same session and decide on what it returns. Objects
    the session had already loaded are refreshed from the locked read. On SQLite the lock is the database's
    write lock (`BEGIN IMMEDIATE`), taken here unless this transaction already holds it; keep such
    transactions short and never wait in them for another session's write.
    """
    connection = await session.connection()
    query = query.execution_options(populate_existing=True)
    if connection.dialect.name != "sqlite":
        return query.with_for_update()
    await _sqlite_write_lock(session)
    return query


def lock_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def lock_named(session: AsyncSession, name: str) -> None:
    """Take the lock called `name` until the session's transaction ends: transactions that take it run one after
    the other. For a rule over many rows (no two assignments give a mediator the last free slot) one lock costs
    one round trip, where locking every row would write each of them. PostgreSQL: a transaction-level advisory
    lock; SQLite: the database's write lock, as `lock_for_update` takes it."""
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
        return
    await _sqlite_write_lock(session)


async def _sqlite_write_lock(session: AsyncSession) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    # The driver opens a transaction only by writing, so a transaction in progress already holds the lock.
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
