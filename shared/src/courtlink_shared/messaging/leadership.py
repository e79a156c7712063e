"""One active outbox relay per service: the leader publishes, standbys wait and take over when it dies.

PostgreSQL: a session advisory lock on a dedicated connection. It is released the moment that connection
dies, so a standby takes over within one polling interval of the leader's death. The same connection LISTENs
for the outbox NOTIFY.
SQLite (one machine): a lease row renewed by the leader; a standby takes over when the lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

import asyncpg
from sqlalchemy import or_, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from courtlink_shared.db.locking import lock_key
from courtlink_shared.db.platform_tables import relay_lease
from courtlink_shared.messaging.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class Leadership(Protocol):
    """A lock that at most one holder has at a time."""

    async def try_acquire(self) -> bool:
        """Become the leader if nobody is; True when we are the leader now."""
        ...

    async def still_leader(self) -> bool:
        """Whether we still hold the lock (renewing it where it expires)."""
        ...

    async def release(self) -> None:
        """Give the lock up (and close what holds it)."""
        ...


class AdvisoryLockLeadership:
    """PostgreSQL session advisory lock on a dedicated asyncpg connection that also LISTENs for NOTIFY."""

    def __init__(self, engine: AsyncEngine, name: str, wakeup: asyncio.Event) -> None:
        url = engine.url.set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._key = lock_key(name)
        self._wakeup = wakeup
        self._conn: asyncpg.Connection | None = None
        self._held = False

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        fresh = await asyncio.wait_for(asyncpg.connect(self._dsn), 10)
        await fresh.add_listener(NOTIFY_CHANNEL, self._notified)
        self._conn = fresh
        return fresh

    def _notified(self, *_: object) -> None:
        self._wakeup.set()

    async def try_acquire(self) -> bool:
        try:
            conn = await self._connection()
            self._held = bool(await asyncio.wait_for(conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key), 10))
            return self._held
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            log.warning("relay leadership: cannot reach PostgreSQL: %r", exc)
            await self.release()
            return False

    async def still_leader(self) -> bool:
        if not self._held or self._conn is None or self._conn.is_closed():
            self._held = False
            return False
        # A session advisory lock lives exactly as long as its connection: alive connection, lock still ours.
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), 10)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            await self.release()
            return False
        return True

    async def release(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
            if not conn.is_closed():
                conn.terminate()


class LeaseLeadership:
    """A renewable lease row (SQLite, where there are no advisory locks)."""

    def __init__(self, engine: AsyncEngine, name: str, *, ttl_seconds: float = 10.0) -> None:
        self._engine = engine
        self._name = name
        self._holder = uuid.uuid4().hex
        self._ttl = timedelta(seconds=ttl_seconds)

    async def try_acquire(self) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            await conn.execute(
                sqlite.insert(relay_lease)
                .values(name=self._name, holder="", expires_at=now)
                .on_conflict_do_nothing(index_elements=[relay_lease.c.name])
            )
            result = await conn.execute(
                update(relay_lease)
                .where(relay_lease.c.name == self._name)
                .where(or_(relay_lease.c.holder == self._holder, relay_lease.c.expires_at < now))
                .values(holder=self._holder, expires_at=now + self._ttl)
            )
        return result.rowcount == 1

    async def still_leader(self) -> bool:
        return await self.try_acquire()

    async def release(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(relay_lease)
                .where(relay_lease.c.name == self._name, relay_lease.c.holder == self._holder)
                .values(expires_at=datetime.now(UTC))
            )
