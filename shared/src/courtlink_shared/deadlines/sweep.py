"""Deadline sweeps: services schedule deadlines in their own transaction; a periodic sweep fires each due one
exactly once, even with several replicas sweeping the same database.

Exactly once: a due row is first locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas split the work
instead of queueing), then claimed with a compare-and-set on `fired_at`; the claim and the handler's work commit
in one transaction. A handler that fails rolls the claim back and the deadline is tried again at the next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courtlink_shared.clock import Clock
from courtlink_shared.db.platform_orm import DeadlineRow
from courtlink_shared.db.platform_tables import deadlines
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


async def schedule_deadline(
    session: AsyncSession, *, kind: str, subject: str, due_at: datetime, payload: Mapping[str, Any] | None = None
) -> None:
    """Record a deadline in the caller's transaction (inserted with the rest of its unit of work)."""
    session.add(DeadlineRow(kind=kind, subject=subject, due_at=due_at, payload=dict(payload or {})))


async def cancel_deadlines(session: AsyncSession, *, kind: str, subject: str, now: datetime) -> None:
    """Cancel the pending deadlines of `kind` for `subject` (e.g. the case was accepted in time)."""
    await session.flush()  # deadlines scheduled earlier in this transaction are cancelled too
    await session.execute(
        update(deadlines)
        .where(deadlines.c.kind == kind, deadlines.c.subject == subject)
        .where(deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )


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
        fired = 0
        while True:
            batch = await self._fire_batch()
            fired += batch
            if batch < self._batch_size:
                return fired

    async def _fire_batch(self) -> int:
        now = self._clock.now()
        fired = 0
        async with self._session_factory() as session:
            dialect = session.bind.dialect.name if session.bind is not None else ""
            query = (
                select(deadlines)
                .where(deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
                .where(deadlines.c.due_at <= now, deadlines.c.kind.in_(list(self._handlers)))
                .order_by(deadlines.c.due_at, deadlines.c.id)
                .limit(self._batch_size)
            )
            if dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).mappings().all()
            for row in rows:
                if await self._fire_one(session, row, now):
                    fired += 1
            await session.commit()
        return fired

    async def _fire_one(self, session: AsyncSession, row: RowMapping, now: datetime) -> bool:
        claimed = await session.execute(
            update(deadlines)
            .where(deadlines.c.id == row["id"], deadlines.c.fired_at.is_(None), deadlines.c.cancelled_at.is_(None))
            .values(fired_at=now)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False  # another replica fired it first
        due = DueDeadline(row["id"], row["kind"], row["subject"], row["due_at"], dict(row["payload"]))
        try:
            async with session.begin_nested():
                await self._handlers[due.kind](session, due, now)
        except Exception:
            log.exception("deadline %s (%s %s) failed; it will be retried", due.id, due.kind, due.subject)
            await session.execute(update(deadlines).where(deadlines.c.id == due.id).values(fired_at=None))
            return False
        DEADLINES_FIRED.labels(kind=due.kind).inc()
        return True

    async def run(self, interval_seconds: float, stop: asyncio.Event) -> None:
        """Sweep every interval until stop is set."""
        while not stop.is_set():
            try:
                await self.sweep_once()
            except Exception:
                log.exception("deadline sweep failed; retrying next interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
