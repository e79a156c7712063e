"""Rows a transaction writes many of (outbox events, timeline steps, deadlines) are buffered and inserted in one
statement per table just before it commits (`bulk_insert`): no round trip per row, no RETURNING, and the order they
were added in is kept.

Not for use inside a savepoint (its rows would outlive a rollback of the savepoint): the platform uses none.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from courtlink_shared.db.bulk_insert import insert_rows_now
from courtlink_shared.db.transaction_state import written_at_commit


def pending_rows(session: AsyncSession, table: Table) -> list[dict[str, Any]]:
    """The rows buffered for `table` in the current transaction (mutable: remove one to drop it)."""
    return written_at_commit(session, f"_buffered:{table.name}", list, partial(_insert_rows, table))


def buffer_insert(session: AsyncSession, table: Table, row: dict[str, Any]) -> None:
    """Insert `row` into `table` when the current transaction commits."""
    if session.in_nested_transaction():
        raise RuntimeError("buffered inserts inside a savepoint are not supported")
    pending_rows(session, table).append(row)


def _insert_rows(table: Table, sync_session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        # Commit flushes the session only after this hook: flush first, so that a row may refer to an object
        # added in this very transaction (a timeline step of a dispute created in it).
        sync_session.flush()
        insert_rows_now(sync_session, table, rows)
        rows.clear()
