"""Who did what and when: every service appends the steps of its objects' lives to a timeline table of its own
(a dispute's, a case's activity, an inquiry's, an advice's) through this one helper.

A timeline table has `at`, `kind`, `actor` (the actor's subject) and `detail` (JSON), the column naming its subject
(`dispute_id`, …), and optionally `organisation` and `role` (the actor's) and columns of its own (`summary`).
Steps are buffered and written in one statement when the transaction commits (`buffered_inserts`): a batch that
accepts thousands of disputes pays no round trip per step. So a step is readable once its transaction committed;
every reader of a timeline runs after that.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from courtlink_shared.db.buffered_inserts import buffer_insert
from courtlink_shared.events.common import Actor

# Filled from the actor, where the table has the column.
_ACTOR_COLUMNS = ("organisation", "role")


def record_step(
    session: AsyncSession,
    timeline: type[DeclarativeBase] | Table,
    *,
    at: datetime,
    kind: str,
    actor: Actor | None,
    detail: Mapping[str, Any] | None = None,
    **columns: str,
) -> None:
    """Append one step to `timeline` (the service's timeline model or table) in the caller's transaction.

    `actor` is who took the step (None: the system, e.g. a sweep or another service's event); `columns` are the
    table's own: the subject's id (`dispute_id=…`) and e.g. `summary=`. Raises TypeError for a column the table
    lacks, so that a typo fails where it is made rather than at commit.
    """
    table = timeline if isinstance(timeline, Table) else timeline.__table__
    assert isinstance(table, Table)
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        raise TypeError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    row: dict[str, Any] = {
        "at": at,
        "kind": kind,
        "actor": actor.subject if actor else None,
        "detail": dict(detail or {}),
    }
    for name in _ACTOR_COLUMNS:
        if name in table.c:
            row[name] = getattr(actor, name) if actor else None
    row.update(columns)
    for column in table.c:  # the rows of one insert have the same keys: optional columns not given are NULL
        if column.key not in row and column.nullable and column.default is None and column.server_default is None:
            row[column.key] = None
    buffer_insert(session, table, row)
