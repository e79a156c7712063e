"""Idempotent consumers: at-least-once delivery, each event handled once.

- A handler's work and the inbox record of the event id commit in one transaction; a redelivered event is skipped.
- Offsets are committed only after the database commit, at most once per `commit_interval_seconds` and when the
  consumer stops or gives up partitions. A commit per poll would be a broker write per poll: under a trickle of
  events, one or two events each, the broker's CPU went to offset commits. A crash between two commits redelivers
  at most an interval's events, which the inbox skips.
- Transient failures (database or broker unreachable) retry with backoff, without limit: nothing is dropped.
- An event that can never be handled (unreadable envelope, unknown data version, invalid data, a violated
  invariant, or a handler failing `max_attempts` times) goes to `<topic>.dlq` with the error in its headers,
  is counted, and the partition moves on.
- A watchdog recreates the consumer when it has lag but made no progress (aiokafka can stall silently after a
  broker restart or rebalance); `healthy()` feeds /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courtlink_shared.db.bulk_insert import insert_new_rows
from courtlink_shared.db.platform_tables import inbox
from courtlink_shared.events.envelope import Envelope, EventData
from courtlink_shared.events.kafka_binding import UnreadableEvent, from_kafka
from courtlink_shared.events.registry import UnknownEventType, parse_event
from courtlink_shared.events.topics import Topic
from courtlink_shared.messaging.kafka import create_producer, start_client, stop_client, within
from courtlink_shared.observability import context
from courtlink_shared.observability.metrics import CONSUMER_LAG, DEAD_LETTERS, EVENTS_HANDLED

log = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
"""handler(session, envelope, data): do the work in `session`; the consumer commits it with the inbox record.
Several events of one partition may share a transaction: a handler must not commit or roll back itself."""


@dataclass(frozen=True)
class EventBatchHandler:
    """Handles a run of consecutive events of one poll in one call, for set-based work (one look-up for all of
    them instead of one each). `handle(session, events)` gets [(envelope, data), ...] in partition order and
    must treat each event as `EventHandler` would, setting its context with `handling(envelope)`. An event that
    fails alone is handled again alone, as a run of one."""

    handle: Callable[[AsyncSession, list[tuple[Envelope, Any]]], Awaitable[None]]


AnyHandler = EventHandler | EventBatchHandler

_Decoded = tuple[ConsumerRecord[bytes, bytes], Envelope, Any, AnyHandler]


@contextlib.contextmanager
def handling(envelope: Envelope) -> Iterator[None]:
    """The event's correlation and causation ids for what is emitted while handling it."""
    tokens = (context.correlation_id.set(envelope.correlationid), context.causation_id.set(str(envelope.id)))
    try:
        yield
    finally:
        context.causation_id.reset(tokens[1])
        context.correlation_id.reset(tokens[0])


async def _call(handler: AnyHandler, session: AsyncSession, events: list[tuple[Envelope, Any]]) -> None:
    """A batch handler gets the run; a plain handler each event in turn."""
    if isinstance(handler, EventBatchHandler):
        await handler.handle(session, events)
        return
    for envelope, data in events:
        with handling(envelope):
            await handler(session, envelope, data)


DECODE_SLICE = 100  # events decoded between two turns of the event loop


class PermanentEventError(Exception):
    """Raised by a handler when an event can never be handled (violated invariant): it goes to the DLQ."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    ConnectionError,
    OSError,
    TimeoutError,
    KafkaError,
)


class _Stopping(Exception):
    """Stop was requested while an event still waited for a retry: leave it uncommitted for redelivery."""


class _DeadLetter(Exception):
    def __init__(self, reason: str, error: BaseException | str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


class _CommitBeforeRevoking(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was handled on partitions before they go to another member of the group."""

    def __init__(self, commit: Callable[[Iterable[TopicPartition]], Awaitable[None]]) -> None:
        self._commit = commit

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._commit(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass


class EventConsumer:
    """Consumes topics as one consumer group and hands each event type to its handler."""

    def __init__(
        self,
        *,
        name: str,
        session_factory: async_sessionmaker[AsyncSession],
        bootstrap_servers: str,
        topics: Iterable[Topic],
        handlers: Mapping[str, AnyHandler],
        topic_prefix: str = "",
        timeout_seconds: float = 10.0,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
        stall_seconds: float = 60.0,
        commit_interval_seconds: float = 1.0,
    ) -> None:
        self.name = name
        self._session_factory = session_factory
        self._bootstrap = bootstrap_servers
        self._topics = list(topics)
        self._handlers = dict(handlers)
        self._prefix = topic_prefix
        self._timeout = timeout_seconds
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._stall_seconds = stall_seconds
        self._commit_interval = commit_interval_seconds
        self._handled_offsets: dict[TopicPartition, int] = {}  # handled and in the database, not yet committed
        self._last_commit = time.monotonic()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._last_progress = time.monotonic()
        self.lag = 0
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0

    # --- lifecycle -----------------------------------------------------------------------------------------

    async def _start_consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self.name,
            client_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=1000,
            request_timeout_ms=int(self._timeout * 3000),
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
        )
        topics = [t.physical(self._prefix) for t in self._topics]
        consumer.subscribe(topics=topics, listener=_CommitBeforeRevoking(self._commit_handled))
        await start_client(consumer, self._timeout * 3)
        self._last_progress = time.monotonic()
        return consumer

    async def _dlq_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(self._bootstrap, timeout_seconds=self._timeout, client_id=f"{self.name}-dlq")
            await start_client(producer, self._timeout)
            self._producer = producer
        return self._producer

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until stop is set; then commit what was handled and leave the group."""
        backoff = self._retry_base
        try:
            while not stop.is_set():
                try:
                    if self._consumer is None:
                        self._consumer = await self._start_consumer()
                    await self._poll_once(self._consumer, stop)
                    backoff = self._retry_base
                    if self._stalled():
                        log.warning("consumer %s: lag %d without progress; restarting it", self.name, self.lag)
                        await self._restart()
                except _Stopping:
                    break
                except Exception as exc:
                    log.warning("consumer %s: %r; retrying in %.1fs", self.name, exc, backoff)
                    await self._restart()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            try:
                await self._commit_handled()
            except Exception as exc:  # the broker is gone: the next consumer gets these again, the inbox skips them
                log.info("consumer %s: last commit failed: %r", self.name, exc)
            await self._restart()
            if self._producer is not None:
                await stop_client(self._producer, self._timeout)
                self._producer = None

    async def _restart(self) -> None:
        """Drop the client; what was handled but not committed is redelivered to the next one (the inbox skips it)."""
        self._handled_offsets.clear()
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await stop_client(consumer, self._timeout)

    # --- health --------------------------------------------------------------------------------------------

    def _stalled(self) -> bool:
        return self.lag > 0 and time.monotonic() - self._last_progress > self._stall_seconds

    def healthy(self) -> bool:
        """False when the consumer has lag and made no progress for `stall_seconds` (for /readyz)."""
        return self._consumer is not None and not self._stalled()

    async def _measure_lag(self, consumer: AIOKafkaConsumer) -> None:
        # After every poll, so one bound for all partitions rather than one each (a bound is a task and a wait)
        self.lag = await within(self._lag(consumer), self._timeout)
        if self.lag == 0:
            self._last_progress = time.monotonic()

    async def _lag(self, consumer: AIOKafkaConsumer) -> int:
        lag = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            behind = max(0, high - await consumer.position(tp))
            CONSUMER_LAG.labels(consumer=self.name, topic=tp.topic, partition=str(tp.partition)).set(behind)
            lag += behind
        return lag

    # --- processing ----------------------------------------------------------------------------------------

    async def _poll_once(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        batches = await within(consumer.getmany(timeout_ms=500), self._timeout * 3)
        records = [record for partition in batches.values() for record in partition]
        if records:
            await self._process_records(records, stop)  # each partition's records stay in their order
            self._last_progress = time.monotonic()
        for tp, partition in batches.items():
            if partition:
                self._handled_offsets[tp] = partition[-1].offset + 1
        if time.monotonic() - self._last_commit >= self._commit_interval:
            await self._commit_handled()
        await self._measure_lag(consumer)

    async def _commit_handled(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit the offsets of what is handled (all partitions, or only `partitions`)."""
        consumer = self._consumer
        chosen = self._handled_offsets.keys() if partitions is None else set(partitions)
        offsets = {tp: self._handled_offsets.pop(tp) for tp in list(chosen) if tp in self._handled_offsets}
        if partitions is None:
            self._last_commit = time.monotonic()
        if consumer is None or not offsets:
            return
        try:
            await within(consumer.commit(offsets), self._timeout)
        except CommitFailedError as exc:  # rebalanced away: the next owner redelivers, the inbox dedupes
            log.info("consumer %s: commit after rebalance failed: %r", self.name, exc)

    async def _process_records(self, records: list[ConsumerRecord[bytes, bytes]], stop: asyncio.Event) -> None:
        """Records of one poll, each partition's in order: poison to the DLQ, the rest in one transaction when
        that works, else one by one (so that a failing event is retried or parked alone)."""
        pending: list[_Decoded] = []
        for count, record in enumerate(records, 1):
            if count % DECODE_SLICE == 0:
                await asyncio.sleep(0)  # a poll of hundreds of events: let the service's requests in between
            try:
                envelope, data, handler = self._decode(record)
            except _DeadLetter as dead:
                await self._dead_letter(record, dead.reason, dead.error, stop)
                continue
            if handler is not None:  # else an event type this consumer does not need
                pending.append((record, envelope, data, handler))
        if len(pending) > 1:
            try:
                await self._handle_together(pending)
                return
            except Exception as exc:
                log.info("consumer %s: a batch of %d failed (%r); handling one by one", self.name, len(pending), exc)
        for item in pending:
            await self._handle_with_retry(item, stop)

    async def _handle_with_retry(self, item: _Decoded, stop: asyncio.Event) -> None:
        record, envelope, data, handler = item
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._handle(record, envelope, data, handler)
                return
            except PermanentEventError as exc:
                await self._dead_letter(record, "invariant", exc, stop)
                return
            except TRANSIENT_ERRORS as exc:
                delay = min(self._retry_base * 2 ** min(attempt, 8), 10.0)
                log.warning(
                    "consumer %s: transient failure on %s: %r; retry in %.1fs", self.name, envelope.id, exc, delay
                )
            except Exception as exc:
                if attempt >= self._max_attempts:
                    await self._dead_letter(record, "handler_failed", exc, stop)
                    return
                delay = self._retry_base * 2**attempt
                log.warning("consumer %s: handler failed on %s (attempt %d): %r", self.name, envelope.id, attempt, exc)
            if stop.is_set():
                raise _Stopping  # leave the offset uncommitted: the event is redelivered later
            await asyncio.sleep(delay)

    async def _handle_together(self, items: list[_Decoded]) -> None:
        """Several events in one transaction, each handled once: fewer round trips for bursts.

        The events are first claimed in the inbox, in one statement, and only those claimed are handled: an event
        handled before (or by another delivery being handled right now, whose commit the claim waits for) is
        not. The inbox's key decides, whatever PostgreSQL believes of the inbox's size."""
        by_id: dict[str, _Decoded] = {}
        for item in items:
            by_id.setdefault(str(item[1].id), item)  # the same event twice in one poll: once
        # Claimed in the order of their ids, the same in every transaction, so that two claiming overlapping
        # events never wait for each other in a circle.
        rows = [self._inbox_row(by_id[event_id][0], by_id[event_id][1]) for event_id in sorted(by_id)]
        async with self._session_factory() as session:
            claimed = set(await insert_new_rows(session, inbox, rows, returning="event_id"))
            fresh = [item for event_id, item in by_id.items() if event_id in claimed]  # in the poll's order
            # consecutive events with the same handler form a run, handled in one call (in partition order)
            for handler, run in itertools.groupby(fresh, key=lambda item: item[3]):
                await _call(handler, session, [(envelope, data) for _, envelope, data, _ in run])
            await session.commit()
        self.handled += len(fresh)
        self.duplicates += len(items) - len(fresh)
        EVENTS_HANDLED.labels(consumer=self.name, outcome="handled").inc(len(fresh))
        if len(items) > len(fresh):
            EVENTS_HANDLED.labels(consumer=self.name, outcome="duplicate").inc(len(items) - len(fresh))

    def _inbox_row(self, record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> dict[str, Any]:
        return {
            "consumer": self.name,
            "event_id": str(envelope.id),
            "event_type": envelope.type,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "handled_at": datetime.now(UTC),
        }

    def _decode(self, record: ConsumerRecord[bytes, bytes]) -> tuple[Envelope, EventData | None, AnyHandler | None]:
        try:  # structured mode, binary mode, or the legacy form of events written before the switch
            envelope = from_kafka(record.value, record.headers)
        except UnreadableEvent as exc:
            raise _DeadLetter("unreadable_envelope", exc) from exc
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return envelope, None, None
        try:
            return envelope, parse_event(envelope), handler
        except UnknownEventType as exc:
            raise _DeadLetter("unknown_dataversion", exc) from exc
        except ValidationError as exc:
            raise _DeadLetter("invalid_data", exc) from exc

    async def _handle(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, data: Any, handler: AnyHandler
    ) -> None:
        event_id = str(envelope.id)
        with handling(envelope):
            async with self._session_factory() as session:
                seen = await session.execute(
                    select(inbox.c.event_id).where(inbox.c.consumer == self.name, inbox.c.event_id == event_id)
                )
                if seen.first() is not None:
                    self.duplicates += 1
                    EVENTS_HANDLED.labels(consumer=self.name, outcome="duplicate").inc()
                    return
                await _call(handler, session, [(envelope, data)])
                await session.execute(inbox.insert().values(**self._inbox_row(record, envelope)))
                try:
                    await session.commit()
                except sa_exc.IntegrityError:
                    await session.rollback()
                    self.duplicates += 1  # handled concurrently by another delivery: its commit won
                    return
            self.handled += 1
            EVENTS_HANDLED.labels(consumer=self.name, outcome="handled").inc()

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: BaseException | str, stop: asyncio.Event
    ) -> None:
        """Park the record on the topic's DLQ; retries until the broker takes it (never drops it)."""
        topic = record.topic if record.topic.endswith(".dlq") else f"{record.topic}.dlq"
        headers = [
            *(record.headers or ()),
            ("dlq.reason", reason.encode()),
            (
                "dlq.error",
                (f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error)[:4000].encode(),
            ),
            ("dlq.consumer", self.name.encode()),
            ("dlq.original_topic", record.topic.encode()),
            ("dlq.original_partition", str(record.partition).encode()),
            ("dlq.original_offset", str(record.offset).encode()),
        ]
        backoff = self._retry_base
        while True:
            try:
                producer = await self._dlq_producer()
                await within(
                    producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers), self._timeout
                )
                break
            except Exception as exc:
                log.warning("consumer %s: dead-lettering failed: %r", self.name, exc)
                if self._producer is not None:
                    await stop_client(self._producer, self._timeout)
                    self._producer = None
                if stop.is_set():
                    raise _Stopping from exc
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        self.dead_lettered += 1
        DEAD_LETTERS.labels(consumer=self.name, topic=record.topic).inc()
        log.error(
            "consumer %s: event at %s[%d]@%d dead-lettered (%s): %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            reason,
            error,
        )
