"""Counters kept with the writes, so that a statistic over a period sums a few rows per day instead of counting
every row of the period (which grows with the data).

A tally table's primary key says what is counted per row (a court, a bank, a Beijing day); every other column
is a count. `tally` adds to a row in the current transaction, and the rows are written just before it commits,
after its other writes: one upsert of all its rows (one statement on PostgreSQL, `bulk_insert`), in key order, so
two transactions never wait for each other's rows in opposite orders, and a row is locked only for the commit
itself. A transaction that rolls back counts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from courtlink_shared.db.bulk_insert import unnest_insert
from courtlink_shared.db.transaction_state import written_at_commit

_Counts = dict[tuple[Any, ...], dict[str, int]]


def tally(session: AsyncSession, table: Table, key: Mapping[str, Any], counts: Mapping[str, int]) -> None:
    """Add `counts` (column → amount, negative to take back) to the row of `table` whose primary key is `key`
    when the current transaction commits; a row not there yet starts from zero."""
    pending: _Counts = written_at_commit(session, f"_tally:{table.name}", dict, partial(_write, table), last=True)
    row = pending.setdefault(tuple(key[column.name] for column in table.primary_key.columns), {})
    for column, amount in counts.items():
        row[column] = row.get(column, 0) + amount


def _write(table: Table, sync_session: Session, pending: _Counts) -> None:
    keys = [column.name for column in table.primary_key.columns]
    counters = [column.name for column in table.columns if not column.primary_key]
    rows = [
        dict(zip(keys, key, strict=True)) | {c: counts.get(c, 0) for c in counters}
        for key, counts in sorted(pending.items())
        if any(counts.values())
    ]
    dialect = sync_session.get_bind().dialect
    if rows and dialect.name == "postgresql":
        columns = {name: [row[name] for row in rows] for name in keys + counters}
        sync_session.execute(*unnest_insert(table, columns, dialect, _adding(table, dialect, keys, counters)))
    elif rows:
        sync_session.execute(_upsert(table, dialect.name, keys, counters), rows)
    pending.clear()


def _adding(table: Table, dialect: Dialect, keys: list[str], counters: list[str]) -> str:
    """PostgreSQL's ON CONFLICT (key) DO UPDATE SET count = count + excluded.count, as text for `unnest_insert`
    (the rows' keys are distinct: one statement never updates a row twice)."""
    quote, name = dialect.identifier_preparer.quote, dialect.identifier_preparer.format_table(table)
    added = ", ".join(f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in counters)
    return f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {added}"


def _upsert(table: Table, dialect: str, keys: list[str], counters: list[str]) -> Insert:
    """SQLite's INSERT … ON CONFLICT (key) DO UPDATE SET count = count + excluded.count, run once per row."""
    if dialect != "sqlite":
        raise NotImplementedError(f"tallies are written for PostgreSQL and SQLite, not {dialect}")
    statement = sqlite.insert(table)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + statement.excluded[c] for c in counters}
    )
