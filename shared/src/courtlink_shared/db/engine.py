"""Async engines and session factories for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_postgres(engine: AsyncEngine) -> bool:
    """Whether the engine talks to PostgreSQL (else SQLite)."""
    return engine.dialect.name == "postgresql"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for url; SQLite files get WAL, foreign keys and a busy timeout, and their folder is made."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.pop("pool_timeout", None)  # one shared in-memory connection: nothing to wait for
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # Connections kept open, not opened and closed per burst: an overflow connection is closed when it is given
    # back, so under a steady load past the pool's size every checkout costs a new login (and an SSL negotiation),
    # more work than the queries it serves. The same 30 at most, all of them kept.
    kwargs.setdefault("pool_size", 30)
    kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_connections_left_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def _ping_connections_left_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only if it has been idle for a while (the database may have gone
    away meanwhile); a dead one is replaced before the caller sees it.

    SQLAlchemy's `pool_pre_ping` checks every checkout: with asyncpg a BEGIN, a query and a ROLLBACK, ~0.45 ms of
    CPU here, paid by every request under load for connections used a moment ago. A connection that dies while
    busy (a restart under load) fails its statement instead: the pool then replaces all its connections, and the
    request is answered 503 (`web/problems.py`) for its client to retry, as a failure mid-transaction is anyway."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection did not answer its ping") from exc  # pool reconnects


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
