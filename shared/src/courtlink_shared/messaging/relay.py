"""The outbox relay: publishes unpublished outbox rows in id order, then marks them sent.

- The queue is `published_at IS NULL`, never an "id greater than the last one" cursor (ids commit out of order).
- One relay per service is active at a time (leadership.py); a standby takes over when it dies.
- Rows are marked only after the broker acknowledged them; a row sent but not marked (crash, timeout) is sent
  again and consumers drop the duplicate by event id. A Kafka outage delays events; nothing is lost.
- Woken by NOTIFY (PostgreSQL) or by a commit in this process, with polling as the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from courtlink_shared.db.engine import is_postgres
from courtlink_shared.db.platform_tables import outbox
from courtlink_shared.db.value_lists import one_of
from courtlink_shared.events.kafka_binding import kafka_headers
from courtlink_shared.messaging.kafka import create_producer, start_client, stop_client, within
from courtlink_shared.messaging.leadership import AdvisoryLockLeadership, Leadership, LeaseLeadership
from courtlink_shared.messaging.outbox import local_wakeup
from courtlink_shared.observability.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE

log = logging.getLogger(__name__)

YIELD_EVERY = 100  # events handed to the producer between two turns of the event loop


class OutboxRelay:
    """Publishes one service's outbox to Kafka while it holds the service's relay leadership."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        service: str,
        bootstrap_servers: str,
        topic_prefix: str = "",
        timeout_seconds: float = 10.0,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._service = service
        self._bootstrap = bootstrap_servers
        self._prefix = topic_prefix
        self._timeout = timeout_seconds
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._wakeup = asyncio.Event()
        self._leadership: Leadership = (
            AdvisoryLockLeadership(engine, f"outbox-relay:{service}", self._wakeup)
            if is_postgres(engine)
            else LeaseLeadership(engine, f"outbox-relay:{service}")
        )
        self._producer: AIOKafkaProducer | None = None
        self.is_leader = False
        self.kafka_ok = False
        self.published = 0

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(
                self._bootstrap, timeout_seconds=self._timeout, client_id=f"{self._service}-relay"
            )
            await start_client(producer, self._timeout)
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_client(producer, self._timeout)

    async def publish_pending(self) -> int:
        """Publish unpublished rows until none is left; returns how many were published.

        Raises on a broker or database failure, after marking what the broker did acknowledge.
        """
        total = 0
        while True:
            async with self._engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload, outbox.c.headers)
                        .where(outbox.c.published_at.is_(None))
                        .order_by(outbox.c.id)
                        .limit(self._batch_size)
                    )
                ).all()
            if not rows:
                return total
            sent = await self._send(rows)
            if sent:
                async with self._engine.begin() as conn:
                    await conn.execute(
                        update(outbox).where(one_of(outbox.c.id, sent)).values(published_at=datetime.now(UTC))
                    )
                total += len(sent)
                self.published += len(sent)
                EVENTS_PUBLISHED.labels(service=self._service).inc(len(sent))
            if len(sent) < len(rows):
                raise ConnectionError(f"broker acknowledged {len(sent)} of {len(rows)} events")
            if len(rows) < self._batch_size:
                return total

    async def _send(self, rows: Any) -> list[int]:
        """Send rows in order; the ids the broker acknowledged, stopping at the first failure."""
        producer = await self._get_producer()
        futures: list[asyncio.Future[Any]] = []

        async def enqueue() -> None:
            for count, row in enumerate(rows, 1):
                if count % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # `send` seldom waits: let the service's requests in between
                headers = kafka_headers(row.headers)  # structured mode, also for rows stored before the switch
                futures.append(
                    await producer.send(
                        f"{self._prefix}{row.topic}", value=row.payload.encode(), key=row.key.encode(), headers=headers
                    )
                )

        try:
            # One bound for handing the whole batch to the producer, not one per event: a bound is a task and a
            # wait (~17 µs), and `send` returns at once unless the producer's buffer is full.
            await within(enqueue(), self._timeout)
            results = await within(asyncio.gather(*futures, return_exceptions=True), self._timeout * 3)
        except (TimeoutError, Exception) as exc:
            for f in futures:
                f.cancel()
            log.warning("relay %s: publishing failed: %r", self._service, exc)
            await self._drop_producer()
            return []
        acknowledged: list[int] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("relay %s: event %s not acknowledged: %r", self._service, row.id, result)
                await self._drop_producer()
                break
            acknowledged.append(row.id)
        return acknowledged

    async def backlog(self) -> tuple[int, float]:
        """Unpublished rows and the age in seconds of the oldest one (also exported as metrics)."""
        async with self._engine.connect() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
                )
            ).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        OUTBOX_BACKLOG.labels(service=self._service).set(count)
        OUTBOX_OLDEST_AGE.labels(service=self._service).set(age)
        return int(count), age

    async def _wait(self, seconds: float) -> None:
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(local_wakeup().wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        self._wakeup.clear()
        local_wakeup().clear()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until stop is set; on stop, flush what is pending (bounded by the timeout) and step down."""
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    self.is_leader = await self._leadership.still_leader() or await self._leadership.try_acquire()
                    if self.is_leader:
                        await self.publish_pending()
                        self.kafka_ok = True
                    backoff = 0.2
                    await self._race(stop, self._poll)
                except Exception as exc:
                    self.kafka_ok = False
                    log.warning("relay %s: %r; retrying in %.1fs", self._service, exc, backoff)
                    await self._race(stop, backoff)
                    backoff = min(backoff * 2, 5.0)
            if self.is_leader:
                with contextlib.suppress(Exception):
                    await within(self.publish_pending(), self._timeout)
        finally:
            self.is_leader = False
            await self._drop_producer()
            with contextlib.suppress(Exception):
                await self._leadership.release()

    async def _race(self, stop: asyncio.Event, seconds: float) -> None:
        stopper = asyncio.ensure_future(stop.wait())
        waiter = asyncio.ensure_future(self._wait(seconds))
        try:
            await asyncio.wait([stopper, waiter], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            waiter.cancel()
