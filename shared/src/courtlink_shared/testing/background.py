"""Running background workers (relays, consumers) for the length of a `with` block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol


class Worker(Protocol):
    """Anything with `run(stop)`: OutboxRelay, EventConsumer, DeadlineSweeper-like loops."""

    async def run(self, stop: asyncio.Event) -> None: ...


@asynccontextmanager
async def running(*workers: Worker) -> AsyncIterator[None]:
    """Start every worker; on exit ask them to stop and wait until they have (flushes, commits, leaves)."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)
