"""What a transaction writes at its commit (`written_at_commit`): each write once, in the order first asked for,
those asked `last` after all the others, and nothing from a transaction that rolled back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from courtlink_shared.db.transaction_state import written_at_commit
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

Written = list[tuple[str, list[Any]]]


def _recording(written: Written, name: str) -> Callable[[Session, list[Any]], None]:
    def write(_session: Session, values: list[Any]) -> None:
        written.append((name, list(values)))

    return write


async def test_writes_run_in_the_order_first_asked_for_and_those_asked_last_after_all(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    written: Written = []
    async with session_factory() as session:
        written_at_commit(session, "counter", list, _recording(written, "counter"), last=True).append(1)
        written_at_commit(session, "steps", list, _recording(written, "steps")).append("a")
        written_at_commit(session, "counter", list, _recording(written, "counter"), last=True).append(2)
        written_at_commit(session, "events", list, _recording(written, "events")).append("e")
        written_at_commit(session, "steps", list, _recording(written, "steps")).append("b")
        await session.commit()
    assert written == [("steps", ["a", "b"]), ("events", ["e"]), ("counter", [1, 2])]


async def test_a_rolled_back_transaction_writes_nothing_and_each_commit_writes_its_own(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    written: Written = []
    async with session_factory() as session:
        written_at_commit(session, "steps", list, _recording(written, "steps")).append("rolled back")
        await session.rollback()
        written_at_commit(session, "steps", list, _recording(written, "steps")).append("first")
        await session.commit()
        written_at_commit(session, "steps", list, _recording(written, "steps")).append("second")
        await session.commit()
    assert written == [("steps", ["first"]), ("steps", ["second"])]
