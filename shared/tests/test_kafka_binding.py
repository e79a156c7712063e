"""CloudEvents on Kafka: what the relay writes is what the official CloudEvents SDK reads, and our readers take
structured mode, binary mode (as the SDK writes them) and the legacy form of events already in the topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent
from cloudevents.v1 import kafka as ce_kafka_v1
from courtlink_shared.events import Envelope
from courtlink_shared.events.advice import AdviceSubmitted
from courtlink_shared.events.common import Actor
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.kafka_binding import (
    CONTENT_TYPE,
    UnreadableEvent,
    from_kafka,
    kafka_headers,
    structured_value,
)
from courtlink_shared.events.topics import ADVICE_ITEMS
from courtlink_shared.messaging.consumer import EventConsumer
from courtlink_shared.messaging.kafka import ensure_topics
from courtlink_shared.testing.background import running
from courtlink_shared.testing.waiting import eventually
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

ACTOR = Actor(subject="judge-1", organisation="吉7101", role="trial_judge")


def envelope(advice_id: str = "advice-1", version: int = 1, causation_id: str | None = None) -> Envelope:
    data = AdviceSubmitted(advice_id=advice_id, by=ACTOR, at=datetime.now(UTC), version=version)
    return make_envelope(data, source="judicial-advice", subject=advice_id, time=data.at, causation_id=causation_id)


def sdk_event(env: Envelope) -> CloudEvent:
    """The same event built with the CloudEvents SDK, as another producer would."""
    attributes = env.model_dump(mode="json", exclude={"data"}, exclude_none=True)
    attributes["time"] = env.time
    return CloudEvent(attributes=attributes, data=env.data)


def legacy_headers(env: Envelope) -> list[tuple[str, bytes]]:
    """The headers every event carried before structured mode."""
    return [
        ("ce_type", env.type.encode()),
        ("ce_id", str(env.id).encode()),
        ("correlationid", env.correlationid.encode()),
    ]


class TestWhatWeWrite:
    def test_a_record_in_structured_mode_has_the_content_type_and_no_ce_header(self) -> None:
        headers = kafka_headers({})
        assert headers == [("content-type", b"application/cloudevents+json")]

    def test_rows_stored_before_the_switch_lose_their_ce_headers_and_keep_their_trace_context(self) -> None:
        trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        stored = {"ce_type": "advice.item.submitted", "ce_id": "x", "correlationid": "c", "traceparent": trace}
        assert dict(kafka_headers(stored)) == {"content-type": CONTENT_TYPE.encode(), "traceparent": trace.encode()}

    @pytest.mark.parametrize("causation_id", [None, "request-7"])
    def test_the_sdk_reads_it_by_detecting_the_mode_and_as_structured_with_both_apis(
        self, causation_id: str | None
    ) -> None:
        env = envelope(causation_id=causation_id)
        value = structured_value(env).encode()
        headers = dict(kafka_headers({}))
        detected = ce_kafka.from_kafka_event(ce_kafka.KafkaMessage(headers=headers, key=b"advice-1", value=value))
        legacy_api = ce_kafka_v1.from_structured(ce_kafka_v1.KafkaMessage(headers=headers, key=b"k", value=value))
        for attributes, data in (
            (detected.get_attributes(), detected.get_data()),
            (legacy_api.get_attributes(), legacy_api.get_data()),
        ):
            assert attributes["specversion"] == "1.0"
            assert attributes["id"] == str(env.id)
            assert (attributes["type"], attributes["source"]) == (env.type, "judicial-advice")
            assert (attributes["subject"], attributes["dataversion"]) == ("advice-1", "1")
            assert attributes["correlationid"] == env.correlationid
            assert not any(name.startswith("ce_") for name in attributes), "no header leaks into the attributes"
            assert data == env.data
        assert detected.get_time() == env.time
        assert detected.get_extension("causationid") == causation_id
        assert detected.get_extension("partitionkey") == "advice-1", "the record key is the partition key"


class TestWhatWeRead:
    def test_structured_mode_as_the_sdk_writes_it(self) -> None:
        env = envelope(causation_id="c-1")
        message = ce_kafka.to_structured_event(sdk_event(env))
        assert from_kafka(message.value, list(message.headers.items())) == env

    def test_binary_mode_as_the_sdk_writes_it(self) -> None:
        env = envelope()
        message = ce_kafka.to_binary_event(sdk_event(env))
        assert "ce_specversion" in message.headers
        assert message.headers["content-type"] == b"application/json"
        assert from_kafka(message.value, list(message.headers.items())) == env

    def test_the_legacy_form_of_events_already_in_the_topics(self) -> None:
        env = envelope()
        assert from_kafka(env.model_dump_json().encode(), legacy_headers(env)) == env

    def test_a_content_type_with_parameters_in_any_case(self) -> None:
        env = envelope()
        headers = [("Content-Type", b"Application/CloudEvents+JSON; charset=UTF-8")]
        assert from_kafka(structured_value(env).encode(), headers) == env

    @pytest.mark.parametrize(
        ("headers", "value", "why"),
        [
            ([("content-type", b"application/cloudevents+avro")], b"\x00", "event format"),
            ([("content-type", b"application/json")], b"{}", "not a CloudEvent"),
            ([("content-type", b"application/cloudevents+json")], b'{"id": "x"}', "validation error"),
            ([("ce_specversion", b"1.0"), ("content-type", b"text/plain")], b"hello", "not JSON"),
            ([("ce_specversion", b"1.0"), ("ce_id", b"1")], b"{not json", "not JSON"),
            ([("ce_specversion", b"\xff")], b"{}", "UTF-8"),
        ],
    )
    def test_anything_else_is_refused_with_the_reason(
        self, headers: list[tuple[str, bytes]], value: bytes, why: str
    ) -> None:
        with pytest.raises(UnreadableEvent, match=why):
            from_kafka(value, headers)


handled = Table("handled_forms", MetaData(), Column("event_id", String(36)), Column("advice_id", String(50)))


@pytest.fixture
async def producer(kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(kafka_bootstrap, [ADVICE_ITEMS], prefix=topic_prefix)
    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await p.start()
    yield p
    await p.stop()


async def test_a_consumer_handles_legacy_structured_and_binary_records_of_one_topic_in_order(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    topic_prefix: str,
    producer: AIOKafkaProducer,
) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(handled.metadata.create_all)
    legacy, structured, binary = envelope("legacy"), envelope("structured"), envelope("binary")
    records: list[tuple[bytes, list[tuple[str, bytes]]]] = [
        (legacy.model_dump_json().encode(), legacy_headers(legacy)),
        (structured_value(structured).encode(), kafka_headers({})),
    ]
    message = ce_kafka.to_binary_event(sdk_event(binary))
    records.append((message.value, list(message.headers.items())))
    for value, headers in records:
        await producer.send_and_wait(ADVICE_ITEMS.physical(topic_prefix), value=value, key=b"k", headers=headers)

    async def record_it(session: AsyncSession, env: Envelope, data: Any) -> None:
        await session.execute(handled.insert().values(event_id=str(env.id), advice_id=data.advice_id))

    consumer = EventConsumer(
        name=f"{topic_prefix}forms",
        session_factory=session_factory,
        bootstrap_servers=kafka_bootstrap,
        topics=[ADVICE_ITEMS],
        handlers={"advice.item.submitted": record_it},
        topic_prefix=topic_prefix,
    )
    async with running(consumer):
        await eventually(lambda: _handled(consumer, 3), what="the three records")
    async with session_factory() as session:
        rows = (await session.execute(select(handled.c.event_id, handled.c.advice_id))).all()
    assert sorted(rows) == sorted((str(e.id), e.subject) for e in (legacy, structured, binary))
    assert consumer.dead_lettered == 0


async def _handled(consumer: EventConsumer, n: int) -> bool:
    return consumer.handled + consumer.dead_lettered >= n
