"""State that lives exactly as long as a session's outermost transaction (flushes and savepoints open inner
transactions of their own: those must not reset it), and what is written from it when the transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")
_KEYS = "_transaction_state_keys"


def transaction_state(session: AsyncSession, key: str, create: Callable[[], T]) -> tuple[T, bool]:
    """The value stored under `key` for the current transaction, created on first use; the flag says whether
    it was created by this call."""
    info = session.sync_session.info
    if key in info:
        return info[key], False
    if session.sync_session.get_transaction() is None:
        # No statement has run yet, so no transaction has begun, and a rollback now would end none: the state
        # would outlive it. Begin the transaction (no connection is taken until a statement runs).
        session.sync_session.begin()
    keys: set[str] | None = info.get(_KEYS)
    if keys is None:  # one listener per session, for every key and transaction
        keys = info[_KEYS] = set()

        def clear(_: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
                for k in keys:
                    info.pop(k, None)
                keys.clear()

        event.listen(session.sync_session, "after_transaction_end", clear)
    value = create()
    info[key] = value
    keys.add(key)
    return value, True


def after_commit(session: AsyncSession, callback: Callable[[], Any]) -> None:
    """Run callback once when the current outermost transaction commits."""

    def fire(_: Session) -> None:
        callback()

    event.listen(session.sync_session, "after_commit", fire, once=True)


def written_at_commit(
    session: AsyncSession,
    key: str,
    create: Callable[[], T],
    write: Callable[[Session, T], None],
    *,
    last: bool = False,
) -> T:
    """The value gathered under `key` in the current outermost transaction, created on first use; `write` gets it
    just before the transaction commits. Rows written then stay locked only for the commit itself, and a
    transaction that writes many gathers them into one statement.

    The writes run in the order they were first asked for; those asked `last` run after all the others, for rows
    that many transactions write (counters): each of them then waits on such a row for one commit only, not for
    the statements written after it too.

    `write` runs in SQLAlchemy's greenlet, where sync-style execution (`sync_session.execute`) is allowed."""
    value, created = transaction_state(session, key, create)
    if created:
        writes, _ = transaction_state(session, _WRITES, list)
        writes.append(_Write(value, write, last))
        info = session.sync_session.info
        if not info.get(_WRITING):  # one listener per session, for every transaction
            info[_WRITING] = True
            event.listen(session.sync_session, "before_commit", _write_all)
    return value


_WRITES = "_written_at_commit"
_WRITING = "_written_at_commit_listener"


@dataclass(frozen=True, slots=True)
class _Write:
    value: Any
    write: Callable[[Session, Any], None]
    last: bool


def _write_all(sync_session: Session) -> None:
    writes: list[_Write] = sync_session.info.get(_WRITES, [])
    while writes:  # a write may ask for another; each runs once
        first = next((i for i, w in enumerate(writes) if not w.last), 0)
        done = writes.pop(first)
        done.write(sync_session, done.value)
