"""Sending the same request many times at once, and counting what the service recorded because of it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courtlink_shared.db.platform_tables import number_sequences, outbox


async def all_at_once(n: int, send: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """`send()` n times concurrently; the answers in the order sent. On one event loop the requests interleave
    at every await (each database call included), which is what lets them race."""
    return list(await asyncio.gather(*(send() for _ in range(n))))


def statuses(responses: list[httpx.Response]) -> list[int]:
    """The status codes, sorted, so that a test can compare them with e.g. `[200] + [409] * 9`."""
    return sorted(r.status_code for r in responses)


async def events_of_type(session_factory: async_sessionmaker[AsyncSession], event_type: str) -> int:
    """How many events of this type the service wrote to its outbox (published or not)."""
    async with session_factory() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.event_type == event_type)
        return int((await session.execute(query)).scalar_one())


async def numbers_allocated(session_factory: async_sessionmaker[AsyncSession], scope: str) -> int:
    """The last number allocated in a numbering scope (every year), 0 if none: with gap-free numbering,
    also how many were allocated."""
    async with session_factory() as session:
        query = select(func.coalesce(func.sum(number_sequences.c.last_n), 0)).where(number_sequences.c.scope == scope)
        return int((await session.execute(query)).scalar_one())
