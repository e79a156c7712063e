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

from typing import TypeVarTuple

from sqlalchemy import Select
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
    raw = await connection.get_raw_connection()
    # The driver opens a transaction only by writing, so a transaction in progress already holds the lock.
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
    return query
