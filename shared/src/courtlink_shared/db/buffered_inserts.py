"""Rows a transaction writes many of (outbox events, deadlines) are buffered and inserted in one executemany
just before it commits: no round trip per row, no RETURNING, and the order they were added in is kept.

Not for use inside a savepoint (its rows would outlive a rollback of the savepoint): the platform uses none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from courtlink_shared.db.transaction_state import transaction_state


def pending_rows(session: AsyncSession, table: Table) -> list[dict[str, Any]]:
    """The rows buffered for `table` in the current transaction (mutable: remove one to drop it)."""
    rows: list[dict[str, Any]]
    rows, first = transaction_state(session, f"_buffered:{table.name}", list)
    if first:
        _write_before_commit(session, table, rows)
    return rows


def buffer_insert(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """Insert `row` into `table` when the current transaction commits."""
    if session.in_nested_transaction():
        raise RuntimeError("buffered inserts inside a savepoint are not supported")
    pending_rows(session, table).append(row)


def _write_before_commit(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    key = f"_buffered:{table.name}"

    def write(sync_session: Session) -> None:
        # Runs in SQLAlchemy's greenlet, where sync-style execution is allowed. A listener left by a transaction
        # that rolled back finds another buffer (or none) and writes nothing.
        if rows and sync_session.info.get(key) is rows:
            # Commit flushes the session only after this hook: flush first, so that a row may refer to an object
            # added in this very transaction (a timeline step of a dispute created in it).
            sync_session.flush()
            sync_session.execute(table.insert(), list(rows))
            rows.clear()

    event.listen(session.sync_session, "before_commit", write, once=True)
