"""The idempotent consumer on real PostgreSQL and Kafka: duplicates handled once, poison parked in the DLQ,
transient failures retried, and the partition always moves on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from courtlink_shared.db.platform_tables import inbox
from courtlink_shared.events import Envelope
from courtlink_shared.events.advice import AdviceSubmitted
from courtlink_shared.events.common import Actor
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.topics import ADVICE_ITEMS
from courtlink_shared.messaging.consumer import EventConsumer, PermanentEventError
from courtlink_shared.messaging.kafka import ensure_topics
from courtlink_shared.testing.background import running
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

received = Table(
    "received", MetaData(), Column("event_id", String(36)), Column("advice_id", String(50)), Column("version", Integer)
)
ACTOR = Actor(subject="judge-1", organisation="吉7101", role="trial_judge")


def envelope(advice_id: str, version: int) -> Envelope:
    data = AdviceSubmitted(advice_id=advice_id, by=ACTOR, at=datetime.now(UTC), version=version)
    return make_envelope(data, source="test", subject=advice_id, time=data.at)


async def record_it(session: AsyncSession, env: Envelope, data: AdviceSubmitted) -> None:
    if data.version < 0:
        raise PermanentEventError("a version is never negative")
    await session.execute(
        received.insert().values(event_id=str(env.id), advice_id=data.advice_id, version=data.version)
    )


@pytest.fixture
async def producer(kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(received.metadata.create_all)


def make_consumer(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    handler: Any,
    *,
    commit_interval_seconds: float = 1.0,
) -> EventConsumer:
    return EventConsumer(
        name=f"{topic_prefix}test-consumer",
        session_factory=session_factory,
        bootstrap_servers=kafka_bootstrap,
        topics=[ADVICE_ITEMS],
        handlers={"advice.item.submitted": handler},
        topic_prefix=topic_prefix,
        retry_base_seconds=0.05,
        max_attempts=3,
        commit_interval_seconds=commit_interval_seconds,
    )


async def send(producer: AIOKafkaProducer, topic_prefix: str, value: bytes, key: str = "a") -> None:
    await producer.send_and_wait(ADVICE_ITEMS.physical(topic_prefix), value=value, key=key.encode())


async def send_versions(producer: AIOKafkaProducer, topic_prefix: str, versions: range) -> None:
    """Advice "a" submitted in each of these versions, in order."""
    for version in versions:
        await send(producer, topic_prefix, envelope("a", version).model_dump_json().encode())


async def count_received(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(received))).scalar_one())


@pytest.mark.usefixtures("tables")
async def test_an_event_delivered_twice_is_handled_once(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    first, second = envelope("a", 1), envelope("a", 2)
    for env in (first, first, second, first):
        await send(producer, topic_prefix, env.model_dump_json().encode())
    consumer = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it)
    async with running(consumer):
        await eventually(lambda: _seen(consumer, 4), what="all four deliveries")
    async with session_factory() as session:
        rows = (await session.execute(select(received.c.version).order_by(received.c.version))).scalars().all()
    assert rows == [1, 2]
    assert (consumer.handled, consumer.duplicates) == (2, 2)


@pytest.mark.usefixtures("tables")
async def test_events_handled_in_an_earlier_transaction_are_skipped_within_a_poll(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    """A poll's events are claimed in the inbox together: those it already holds (handled before a crash that
    lost the offsets) are skipped, the others handled, in the poll's order."""
    events = [envelope("a", version) for version in range(1, 6)]
    consumer = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it)
    async with session_factory() as session:
        handled_before = [
            {"consumer": consumer.name, "event_id": str(env.id), "event_type": env.type, "topic": ADVICE_ITEMS.name}
            | {"partition": 0, "offset": 0, "handled_at": datetime.now(UTC)}
            for env in (events[0], events[3])
        ]
        await session.execute(inbox.insert(), handled_before)
        await session.commit()
    for env in events:
        await send(producer, topic_prefix, env.model_dump_json().encode())
    async with running(consumer):
        await eventually(lambda: _seen(consumer, 5), what="all five deliveries")
    async with session_factory() as session:
        rows = (await session.execute(select(received.c.version).order_by(received.c.version))).scalars().all()
    assert rows == [2, 3, 5]
    assert (consumer.handled, consumer.duplicates) == (3, 2)


async def _seen(consumer: EventConsumer, n: int) -> bool:
    return consumer.handled + consumer.duplicates + consumer.dead_lettered >= n


@pytest.mark.usefixtures("tables")
async def test_a_restarted_consumer_resumes_after_its_committed_offset(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    await send_versions(producer, topic_prefix, range(1, 6))
    for batch in (range(1, 6), range(6, 9)):
        consumer = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it)
        async with running(consumer):
            if batch.start == 6:
                await send_versions(producer, topic_prefix, batch)
            await eventually(lambda c=consumer, b=batch: _seen(c, len(b)), what="the batch")  # type: ignore[misc]
        assert consumer.duplicates == 0, "committed events are not delivered again"
    assert await count_received(session_factory) == 8


async def committed_offsets(kafka_bootstrap: str, topic_prefix: str) -> int:
    """What the consumer group has committed, summed over the topic's partitions (what `kafka-consumer-groups`
    would show an operator)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(f"{topic_prefix}test-consumer")
        return sum(max(0, o.offset) for o in offsets.values())
    finally:
        await admin.close()


@pytest.mark.usefixtures("tables")
async def test_offsets_are_committed_once_an_interval_and_when_the_consumer_leaves(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    await send_versions(producer, topic_prefix, range(1, 6))
    hourly = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it, commit_interval_seconds=3600)
    async with running(hourly):
        await eventually(lambda: _seen(hourly, 5), what="the five events")
        assert await committed_offsets(kafka_bootstrap, topic_prefix) == 0, "not committed before the interval"
    assert await committed_offsets(kafka_bootstrap, topic_prefix) == 5, "committed when the consumer left"


@pytest.mark.usefixtures("tables")
async def test_a_member_giving_up_its_partitions_commits_what_it_handled_on_them(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    await send_versions(producer, topic_prefix, range(1, 6))
    first = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it, commit_interval_seconds=3600)
    second = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it, commit_interval_seconds=3600)
    async with running(first):
        await eventually(lambda: _seen(first, 5), what="the five events")
        async with running(second):  # joining the group revokes the first member's partitions
            await eventually(
                lambda: _committed_is(kafka_bootstrap, topic_prefix, 5), what="the commit on revocation", timeout=30
            )
    assert second.handled + second.duplicates == 0, "the second member got nothing again"
    assert await count_received(session_factory) == 5


async def _committed_is(kafka_bootstrap: str, topic_prefix: str, expected: int) -> bool:
    return await committed_offsets(kafka_bootstrap, topic_prefix) == expected


@pytest.mark.usefixtures("tables")
async def test_poison_events_go_to_the_dead_letter_topic_with_their_error_and_the_consumer_goes_on(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    bad_data = envelope("a", 1).model_copy(update={"data": {"advice_id": "a"}})
    await send(producer, topic_prefix, b"\xff not json at all")
    await send(producer, topic_prefix, bad_data.model_dump_json().encode())
    await send(producer, topic_prefix, envelope("a", -1).model_dump_json().encode())  # violates an invariant
    await send(producer, topic_prefix, envelope("a", 7).model_dump_json().encode())
    consumer = make_consumer(session_factory, kafka_bootstrap, topic_prefix, record_it)
    async with running(consumer):
        await eventually(lambda: _seen(consumer, 4), what="the poison and the good event")
    assert await count_received(session_factory) == 1
    assert consumer.dead_lettered == 3
    dead = await read_topic(kafka_bootstrap, ADVICE_ITEMS.dead_letter(topic_prefix), expected=3)
    reasons = [dict(r.headers)["dlq.reason"].decode() for r in dead]
    assert reasons == ["unreadable_envelope", "invalid_data", "invariant"]
    assert b"never negative" in dict(dead[2].headers)["dlq.error"]
    assert dead[0].value == b"\xff not json at all", "the original bytes are kept"
    assert dict(dead[1].headers)["dlq.original_offset"] == b"1"


@pytest.mark.usefixtures("tables")
async def test_transient_failures_are_retried_until_they_pass(
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    failures = {"left": 6}  # more than max_attempts: transient errors are never dead-lettered

    async def flaky(session: AsyncSession, env: Envelope, data: AdviceSubmitted) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("database restarting"))
        await record_it(session, env, data)

    await send(producer, topic_prefix, envelope("a", 1).model_dump_json().encode())
    consumer = make_consumer(session_factory, kafka_bootstrap, topic_prefix, flaky)
    async with running(consumer):
        await eventually(lambda: _seen(consumer, 1), what="the event after the failures")
    assert failures["left"] == 0
    assert (consumer.handled, consumer.dead_lettered) == (1, 0)
    assert await count_received(session_factory) == 1
