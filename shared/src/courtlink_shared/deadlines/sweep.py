"""Deadline sweeps: services schedule deadlines in their own transaction; a periodic sweep fires each due one
exactly once, even with several replicas sweeping the same database.

Exactly once: a due row is first locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas split the work
instead of queueing), then claimed with a compare-and-set on `fired_at`; the claim and the handler's work commit
in one transaction. A handler that fails rolls its claim back and the deadline is tried again at the next sweep.
(No savepoints: a failed batch is retried one deadline per transaction instead.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courtlink_shared.clock import Clock
from courtlink_shared.db.buffered_inserts import buffer_insert, pending_rows
from courtlink_shared.db.platform_tables import deadlines
from courtlink_shared.db.transaction_state import transaction_state
from courtlink_shared.db.value_lists import one_of
from courtlink_shared.observability.metrics import DEADLINES_FIRED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueDeadline:
    """A deadline handed to its handler."""

    id: int
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]


DeadlineHandler = Callable[[AsyncSession, DueDeadline, datetime], Awaitable[None]]


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def schedule_deadline(
    session: AsyncSession, *, kind: str, subject: str, due_at: datetime, payload: Mapping[str, Any] | None = None
) -> None:
    """Record a deadline in the caller's transaction (written when it commits)."""
    row = {"kind": kind, "subject": subject, "due_at": due_at, "payload": dict(payload or {})}
    buffer_insert(session, deadlines, row)


async def cancel_deadlines(session: AsyncSession, *, kind: str, subject: str, now: datetime) -> None:
    """Cancel the pending deadlines of `kind` for `subject` (e.g. the case was accepted in time)."""
    pending = pending_rows(session, deadlines)  # scheduled earlier in this very transaction: never written
    pending[:] = [row for row in pending if (row["kind"], row["subject"]) != (kind, subject)]
    _cancelled_in_transaction(session).add((kind, subject))
    await session.execute(
        update(deadlines)
        .where(deadlines.c.kind == kind, deadlines.c.subject == subject)
        .where(deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )


def _cancelled_in_transaction(session: AsyncSession) -> set[tuple[str, str]]:
    """(kind, subject) of the deadlines cancelled in the session's transaction: a sweep that claimed a batch
    drops those a handler cancelled before their turn came, as if they had been cancelled before the claim."""
    cancelled: set[tuple[str, str]] = transaction_state(session, "_deadlines_cancelled", set)[0]
    return cancelled


class DeadlineSweeper:
    """Fires due deadlines through the handler registered for their kind."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, DeadlineHandler],
        clock: Clock,
        *,
        batch_size: int = 200,
    ) -> None:
        self._session_factory = session_factory
        self._handlers = dict(handlers)
        self._clock = clock
        self._batch_size = batch_size

    async def sweep_once(self) -> int:
        """Fire every deadline due now; returns how many this replica fired."""
        total = 0
        while True:
            fired, seen = await self._fire_batch()
            total += fired
            if seen < self._batch_size or fired == 0:
                return total

    def _due(self, now: datetime, *, limit: int) -> Select[Any]:
        return (
            select(deadlines)
            .where(deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
            .where(deadlines.c.due_at <= now, deadlines.c.kind.in_(list(self._handlers)))
            .order_by(deadlines.c.due_at, deadlines.c.id)
            .limit(limit)
        )

    async def _fire_batch(self) -> tuple[int, int]:
        """A batch in one transaction; if any of it fails, the batch is fired again one deadline at a time so
        that the failing one is isolated (and retried at the next sweep). Returns (fired, seen)."""
        now = self._clock.now()
        try:
            async with self._session_factory() as session:
                query = self._due(now, limit=self._batch_size)
                if _is_postgres(session):
                    query = query.with_for_update(skip_locked=True)  # replicas split the work
                rows = (await session.execute(query)).mappings().all()
                fired = await self._fire(session, rows, now)
                await session.commit()
                return fired, len(rows)
        except Exception as exc:
            log.warning("a deadline in the batch failed (%r); firing one at a time", exc)
            return await self._fire_one_at_a_time(now)

    async def _fire_one_at_a_time(self, now: datetime) -> tuple[int, int]:
        async with self._session_factory() as session:
            ids = list(
                (
                    await session.execute(self._due(now, limit=self._batch_size).with_only_columns(deadlines.c.id))
                ).scalars()
            )
        fired = 0
        for deadline_id in ids:
            try:
                async with self._session_factory() as session:
                    query = select(deadlines).where(deadlines.c.id == deadline_id)
                    if _is_postgres(session):
                        query = query.with_for_update(skip_locked=True)
                    fired += await self._fire(session, (await session.execute(query)).mappings().all(), now)
                    await session.commit()
            except Exception:
                log.exception("deadline %s failed; it will be retried at the next sweep", deadline_id)
        return fired, len(ids)

    async def _fire(self, session: AsyncSession, rows: Sequence[RowMapping], now: datetime) -> int:
        """Claim the rows and act on those claimed, in the session's transaction; returns how many fired."""
        claimed = await self._claim(session, [row["id"] for row in rows], now)
        fired = 0
        for row in rows:
            if row["id"] not in claimed:
                continue
            if (row["kind"], row["subject"]) in _cancelled_in_transaction(session):  # by a handler before it
                await session.execute(
                    update(deadlines).where(deadlines.c.id == row["id"]).values(fired_at=None, cancelled_at=now)
                )
                continue
            due = DueDeadline(row["id"], row["kind"], row["subject"], row["due_at"], dict(row["payload"]))
            await self._handlers[due.kind](session, due, now)
            DEADLINES_FIRED.labels(kind=due.kind).inc()
            fired += 1
        return fired

    @staticmethod
    async def _claim(session: AsyncSession, ids: list[int], now: datetime) -> set[int]:
        """Compare-and-set on fired_at, one statement for the whole batch: the ids no other replica fired first
        (on SQLite, where nothing is locked while the batch is read, another sweep may have)."""
        if not ids:
            return set()
        claimed = await session.execute(
            update(deadlines)
            .where(one_of(deadlines.c.id, ids), deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
            .values(fired_at=now)
            .returning(deadlines.c.id)
        )
        return set(claimed.scalars())

    async def run(self, interval_seconds: float, stop: asyncio.Event) -> None:
        """Sweep every interval until stop is set."""
        while not stop.is_set():
            try:
                await self.sweep_once()
            except Exception:
                log.exception("deadline sweep failed; retrying next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
