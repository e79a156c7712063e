"""The outbox and its relay on real PostgreSQL and Kafka: nothing lost, nothing published twice, order per key."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from courtlink_shared.db.platform_tables import outbox as outbox_table
from courtlink_shared.events import Envelope
from courtlink_shared.events.advice import AdviceSubmitted
from courtlink_shared.events.common import Actor
from courtlink_shared.events.topics import ADVICE_ITEMS
from courtlink_shared.messaging.consumer import EventConsumer
from courtlink_shared.messaging.kafka import ensure_topics, within
from courtlink_shared.messaging.outbox import Outbox
from courtlink_shared.messaging.relay import OutboxRelay
from courtlink_shared.observability.task_dump import task_stacks
from courtlink_shared.runtime import supervise
from courtlink_shared.testing.background import running
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

ACTOR = Actor(subject="judge-1", organisation="吉7101", role="trial_judge")
OUTBOX = Outbox(source="test-service")


async def emit_versions(session_factory: async_sessionmaker[AsyncSession], keys: list[str], versions: range) -> None:
    """Per key, one event per version, each version in its own transaction (interleaving the keys)."""
    for version in versions:
        async with session_factory() as session, session.begin():
            for key in keys:
                event = AdviceSubmitted(advice_id=key, by=ACTOR, at=datetime.now(UTC), version=version)
                await OUTBOX.emit(session, event, subject=key, time=event.at)


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


def versions_by_key(records: list) -> dict[str, list[int]]:  # type: ignore[type-arg]
    seen: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        envelope = Envelope.model_validate_json(record.value)
        seen[record.key.decode()].append(envelope.data["version"])
    return seen


def relay_for(engine: AsyncEngine, kafka_bootstrap: str, topic_prefix: str) -> OutboxRelay:
    return OutboxRelay(
        engine, service="test-service", bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix, poll_seconds=0.2
    )


async def test_two_relays_on_one_database_publish_each_row_once_in_key_order(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], kafka_bootstrap: str, topic_prefix: str
) -> None:
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    keys = [f"advice-{i}" for i in range(10)]
    relays = [relay_for(engine, kafka_bootstrap, topic_prefix) for _ in range(2)]
    async with running(*relays):
        await emit_versions(session_factory, keys, range(1, 51))
        await eventually(lambda: _none_left(engine), what="the outbox to drain")

    records = await read_topic(kafka_bootstrap, ADVICE_ITEMS.physical(topic_prefix), expected=500)
    assert len(records) == 500
    assert len({Envelope.model_validate_json(r.value).id for r in records}) == 500
    assert versions_by_key(records) == {key: list(range(1, 51)) for key in keys}
    assert sorted(r.published for r in relays) == [0, 500], "exactly one relay is active"


async def _none_left(engine: AsyncEngine) -> bool:
    return await unpublished(engine) == 0


async def test_notify_wakes_the_relay_without_waiting_for_the_poll(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], kafka_bootstrap: str, topic_prefix: str
) -> None:
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    relay = OutboxRelay(
        engine, service="test-service", bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix, poll_seconds=60
    )
    async with running(relay):
        await eventually(lambda: _is_leader(relay), what="leadership")
        await emit_versions(session_factory, ["advice-n"], range(1, 2))
        await eventually(lambda: _none_left(engine), timeout=10, what="publication well before the 60 s poll")


async def _is_leader(relay: OutboxRelay) -> bool:
    return relay.is_leader


async def test_killing_the_active_relay_lets_the_standby_take_over(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    active = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "courtlink_shared.messaging.relay_main",
            "--database-url",
            database_url,
            "--service",
            "test-service",
            "--bootstrap-servers",
            kafka_bootstrap,
            "--topic-prefix",
            topic_prefix,
            "--poll-seconds",
            "0.2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    standby = relay_for(engine, kafka_bootstrap, topic_prefix)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        await emit_versions(session_factory, ["advice-k"], range(1, 11))
        await eventually(lambda: _none_left(engine), what="the separate relay process to publish")
        task = asyncio.create_task(standby.run(stop))
        await asyncio.sleep(1.0)
        assert not standby.is_leader, "the standby must wait while the active relay lives"
        active.send_signal(signal.SIGKILL)
        active.wait(timeout=10)
        await emit_versions(session_factory, ["advice-k"], range(11, 31))
        await eventually(lambda: _none_left(engine), what="the standby to take over and publish")
    finally:
        stop.set()
        if task is not None:
            await task
        if active.poll() is None:
            active.kill()
    assert standby.is_leader is False  # stepped down on stop
    assert standby.published == 20
    records = await read_topic(kafka_bootstrap, ADVICE_ITEMS.physical(topic_prefix), expected=30)
    assert versions_by_key(records) == {"advice-k": list(range(1, 31))}


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="needs a broker this test can stop")
async def test_events_written_while_kafka_is_down_are_all_delivered_once_it_is_back(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], topic_prefix: str
) -> None:
    from courtlink_shared.infra import kafka_local

    async with engine.begin() as conn:
        await conn.run_sync(handled.metadata.create_all)
    name = f"outage-{topic_prefix.strip('.')}"
    broker = kafka_local.start(name, fresh=True)
    relay = relay_for(engine, broker.bootstrap_servers, topic_prefix)
    consumer = EventConsumer(
        name=f"{topic_prefix}outage-consumer",
        session_factory=session_factory,
        bootstrap_servers=broker.bootstrap_servers,
        topics=[ADVICE_ITEMS],
        handlers={"advice.item.submitted": record_handled},
        topic_prefix=topic_prefix,
        timeout_seconds=5,
        stall_seconds=10,
    )
    async with running(relay, consumer):
        await ensure_topics(broker.bootstrap_servers, [ADVICE_ITEMS], prefix=topic_prefix)
        await emit_versions(session_factory, ["a", "b"], range(1, 51))
        await eventually(lambda: _handled(session_factory, 100), what="handling before the outage")

        kafka_local.stop(name)
        await emit_versions(session_factory, ["a", "b"], range(51, 151))  # requests keep succeeding
        await asyncio.sleep(2)
        assert await unpublished(engine) == 200, "nothing is marked sent while the broker is down"

        kafka_local.start(name, port=broker.port)
        await eventually(lambda: _none_left(engine), timeout=90, what="publication after the broker came back")
        await eventually(lambda: _handled(session_factory, 300), timeout=90, what="handling after the broker came back")
    records = await read_topic(broker.bootstrap_servers, ADVICE_ITEMS.physical(topic_prefix), expected=300)
    kafka_local.stop(name, remove_data=True)
    ids = [Envelope.model_validate_json(r.value).id for r in records]
    assert len(set(ids)) == 300, "none lost"
    assert len(ids) == 300, "none published twice"
    assert versions_by_key(records) == {"a": list(range(1, 151)), "b": list(range(1, 151))}
    async with session_factory() as session:
        rows = (await session.execute(select(handled.c.advice_id, handled.c.version))).all()
    assert len(rows) == 300, "none handled twice"
    assert sorted(rows) == sorted((k, v) for k in ("a", "b") for v in range(1, 151))


handled = Table("handled", MetaData(), Column("advice_id", String(50)), Column("version", Integer))


async def record_handled(session: AsyncSession, envelope: Envelope, data: AdviceSubmitted) -> None:
    await session.execute(handled.insert().values(advice_id=data.advice_id, version=data.version))


async def _handled(session_factory: async_sessionmaker[AsyncSession], n: int) -> bool:
    async with session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(handled))).scalar_one()) >= n


async def test_the_relay_works_on_sqlite_too(tmp_path: Path, kafka_bootstrap: str, topic_prefix: str) -> None:
    from courtlink_shared.db.engine import create_engine, create_session_factory
    from courtlink_shared.db.migrations import upgrade

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/service.db")
    await upgrade(engine)
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    relays = [relay_for(engine, kafka_bootstrap, topic_prefix) for _ in range(2)]
    try:
        async with running(*relays):
            await emit_versions(create_session_factory(engine), ["s1", "s2"], range(1, 21))
            await eventually(lambda: _none_left(engine), what="the SQLite outbox to drain")
    finally:
        await engine.dispose()
    records = await read_topic(kafka_bootstrap, ADVICE_ITEMS.physical(topic_prefix), expected=40)
    assert versions_by_key(records) == {"s1": list(range(1, 21)), "s2": list(range(1, 21))}
    assert sorted(r.published for r in relays) == [0, 40], "the lease lets one relay publish"


async def test_events_of_a_rolled_back_transaction_are_never_written(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        lost = AdviceSubmitted(advice_id="rolled-back", by=ACTOR, at=datetime.now(UTC), version=1)
        await OUTBOX.emit(session, lost, subject="rolled-back", time=lost.at)
        await session.rollback()
        kept = AdviceSubmitted(advice_id="committed", by=ACTOR, at=datetime.now(UTC), version=2)
        await OUTBOX.emit(session, kept, subject="committed", time=kept.at)
        await session.commit()
        await session.commit()  # a second commit writes nothing again
    async with engine.connect() as conn:
        keys = (await conn.execute(select(outbox_table.c.key))).scalars().all()
    assert keys == ["committed"]


class TestWithin:
    """The bound on every broker call: it must give up on a call that ignores its cancellation, as aiokafka's
    producer.stop() does while it retries an out-of-order batch after a broker restart (aiokafka#1017)."""

    async def test_a_call_that_ignores_cancellation_is_left_behind_after_the_bound(self) -> None:
        release = asyncio.Event()

        async def stubborn_stop() -> None:
            while not release.is_set():
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    continue  # what the stuck sender does: keeps waiting for its in-flight batch

        # Were `within` to wait for the cancelled call, as asyncio.wait_for does, this would never return.
        with pytest.raises(TimeoutError):
            await within(stubborn_stop(), 0.2)
        release.set()

    async def test_a_prompt_call_gives_its_result_and_its_error(self) -> None:
        async def answer() -> int:
            return 42

        async def failure() -> None:
            raise ConnectionError("broker gone")

        assert await within(answer(), 1) == 42
        with pytest.raises(ConnectionError):
            await within(failure(), 1)


async def test_the_task_dump_shows_where_each_task_waits() -> None:
    gate = asyncio.Event()

    async def waits_for_the_broker() -> None:
        await gate.wait()

    async def relay_pass() -> None:
        await waits_for_the_broker()

    task = asyncio.create_task(relay_pass(), name="outbox-relay")
    await asyncio.sleep(0)
    dump = task_stacks()
    gate.set()
    await task
    section = dump.split("--- task outbox-relay\n")[1].split("--- task")[0]
    assert "in relay_pass" in section
    assert "in waits_for_the_broker" in section


class TestSupervise:
    """A background loop (relay, consumer, worker) that ends early, by an error or a cancellation raised inside a
    client library, is restarted; only the service's stop ends it."""

    async def test_a_loop_that_dies_is_restarted_until_stop(self) -> None:
        stop = asyncio.Event()
        runs: list[str] = []

        async def loop(stop: asyncio.Event) -> None:
            runs.append("run")
            if len(runs) == 1:
                raise RuntimeError("escaped the loop's own handling")
            if len(runs) == 2:
                raise asyncio.CancelledError  # as when an aiokafka internal task is cancelled under us
            if len(runs) == 3:
                return
            await stop.wait()

        task = asyncio.create_task(supervise("loop", loop, stop, pause_seconds=0.01))
        await eventually(lambda: _is(len(runs) == 4), timeout=5, what="the fourth run")
        stop.set()
        await asyncio.wait_for(task, 5)
        assert runs == ["run"] * 4

    async def test_cancelling_the_supervisor_ends_it(self) -> None:
        stop = asyncio.Event()

        async def waits(stop: asyncio.Event) -> None:
            await stop.wait()

        task = asyncio.create_task(supervise("loop", waits, stop))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _is(value: bool) -> bool:
    return value


async def test_a_call_cancelled_inside_the_client_is_a_connection_error() -> None:
    async def cancelled_inside() -> None:
        raise asyncio.CancelledError

    with pytest.raises(ConnectionError):
        await within(cancelled_inside(), 1)
