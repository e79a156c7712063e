"""The event contracts as a bank's or agency's developer meets them, checked with their tools rather than ours:
the official AsyncAPI parser (npm `@asyncapi/parser`) reads docs/asyncapi.json without errors; records the real
relay and the real services put on the real broker are read by the CloudEvents SDK's Kafka binding; and each
record's value, headers and key match the schemas of its message as published in that document (jsonschema)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.v1 import kafka as ce_kafka_v1
from courtlink_shared.db.platform_tables import outbox as outbox_table
from courtlink_shared.events import EVENT_TYPES, TOPICS
from courtlink_shared.events.advice import AdviceSubmitted
from courtlink_shared.events.common import Actor
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.topics import ADVICE_ITEMS, INTAKE_DISPUTES
from courtlink_shared.messaging.kafka import ensure_topics
from courtlink_shared.messaging.outbox import Outbox
from courtlink_shared.messaging.relay import OutboxRelay
from courtlink_shared.observability import context
from courtlink_shared.testing.background import running
from courtlink_shared.testing.factories import dispute_routed
from courtlink_shared.testing.waiting import eventually
from demo import Demo
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from system_fixtures import StartServices

ROOT = Path(__file__).resolve().parents[1]
ASYNCAPI = ROOT / "docs" / "asyncapi.json"
PARSER_DIR = ROOT / "tools" / "asyncapi"
DOCUMENT_URI = "urn:courtlink:asyncapi"
# The field of each topic's data that its record key carries (the partition key the document declares).
KEY_FIELD = {
    "intake.disputes": "dispute_id",
    "mediation.cases": "dispute_id",
    "enforcement.inquiries": "inquiry_id",
    "enforcement.asset-queries": "bank_code",
    "advice.items": "advice_id",
}
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


# --- the AsyncAPI document through the official parser ------------------------------------------------------------


@pytest.fixture(scope="session")
def asyncapi_parser() -> list[str]:
    """The command running the official parser, installed once from tools/asyncapi/package-lock.json (npm ci)
    and installed again only when the lock file changes."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the AsyncAPI contract tests need Node.js (20 or newer) and npm on PATH, e.g. apt-get install nodejs npm"
        )
    digest = hashlib.sha256((PARSER_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = PARSER_DIR / "node_modules" / ".courtlink-installed-lock"
    if not stamp.exists() or stamp.read_text() != digest:
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=PARSER_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci in {PARSER_DIR} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        stamp.write_text(digest)
    return [node, str(PARSER_DIR / "parse.mjs")]


def parse_with_official_parser(parser: list[str], document: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The parser's diagnostics, and what it resolved of every message (None when it could not parse)."""
    result = subprocess.run([*parser, str(document)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    output: list[dict[str, Any]] = json.loads(result.stdout)
    summaries = [json.loads(d["message"]) for d in output if d["severity"] == "summary"]
    return [d for d in output if d["severity"] != "summary"], (summaries[0] if summaries else {})


def test_the_official_asyncapi_parser_reads_the_document_without_errors(asyncapi_parser: list[str]) -> None:
    diagnostics, parsed = parse_with_official_parser(asyncapi_parser, ASYNCAPI)
    # The one note left recommends AsyncAPI 3.1; 3.0 is kept while generators catch up.
    assert [d for d in diagnostics if d["code"] != "asyncapi-latest-version"] == []
    assert parsed["asyncapi"] == "3.0.0"
    messages = {m["id"]: m for m in parsed["messages"]}
    assert set(messages) == {f"{event_type}.v{version}" for event_type, version in EVENT_TYPES}
    for message in messages.values():
        assert message["contentType"] == "application/cloudevents+json"
        assert message["payloadResolved"], f"{message['id']}: a $ref left unresolved in its payload"
        assert message["headers"] == ["content-type", "traceparent"]
        assert message["kafkaKey"]["type"] == "string"


def test_the_parser_check_would_catch_a_dangling_reference(asyncapi_parser: list[str], tmp_path: Path) -> None:
    broken = ASYNCAPI.read_text().replace('"#/components/schemas/Actor"', '"#/$defs/Actor"', 1)
    (tmp_path / "asyncapi.json").write_text(broken)
    diagnostics, _ = parse_with_official_parser(asyncapi_parser, tmp_path / "asyncapi.json")
    assert [d["code"] for d in diagnostics if d["severity"] == "error"] == ["invalid-ref"]


# --- records on the broker against the SDK and the published document ---------------------------------------------


def published_validator(document: dict[str, Any], pointer: str) -> Draft7Validator:
    """A validator of the schema at `pointer` in the published document, its `$ref`s resolved inside it."""
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, DRAFT7.create_resource(document))
    return Draft7Validator(
        {"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER
    )


def read_as_a_partner(record: ConsumerRecord[bytes, bytes], document: dict[str, Any], prefix: str) -> BaseCloudEvent:
    """The record parsed by the CloudEvents SDK (mode detected as it does it, and explicitly as structured with its
    1.x API), then checked against its message in the published document: value, headers and key."""
    headers = dict(record.headers)
    assert record.key is not None
    assert record.value is not None
    event = ce_kafka.from_kafka_event(ce_kafka.KafkaMessage(headers=headers, key=record.key, value=record.value))
    legacy_api = ce_kafka_v1.from_structured(
        ce_kafka_v1.KafkaMessage(headers=headers, key=record.key, value=record.value)
    )
    assert legacy_api.get_data() == event.get_data()
    assert legacy_api["id"] == event.get_id()
    attributes = event.get_attributes()
    assert not any(name.startswith("ce_") for name in attributes), "read in structured mode, not binary"
    name = f"{event.get_type()}.v{attributes['dataversion']}"
    topic = record.topic.removeprefix(prefix)
    [channel] = [c for c in document["channels"].values() if c["address"] == topic]
    assert name in channel["messages"], f"{name} is not declared on {topic}"
    message = f"/components/messages/{name}"
    problems = [
        *published_validator(document, f"{message}/payload").iter_errors(json.loads(record.value)),
        *published_validator(document, f"{message}/headers").iter_errors({k: v.decode() for k, v in headers.items()}),
        *published_validator(document, f"{message}/bindings/kafka/key").iter_errors(record.key.decode()),
    ]
    assert not problems, f"{name}: " + "; ".join(f"{'/'.join(map(str, p.path))}: {p.message}" for p in problems)
    data = event.get_data()
    assert isinstance(data, dict)
    assert record.key.decode() == data[KEY_FIELD[topic]], "the record key is the stream's partition key"
    assert event.get_extension("partitionkey") == record.key.decode()
    return event


async def read_all(bootstrap: str, topics: list[str], *, quiet_seconds: float, timeout: float = 120) -> list[Any]:
    """Every record of the topics from the beginning, once nothing new arrived for `quiet_seconds`."""
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        last_new = time.monotonic()
        while time.monotonic() - last_new < quiet_seconds and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
                last_new = time.monotonic()
    finally:
        await consumer.stop()
    return records


async def test_records_of_the_real_relay_are_cloudevents_the_sdk_reads_and_match_the_published_document(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], kafka_bootstrap: str, topic_prefix: str
) -> None:
    await ensure_topics(kafka_bootstrap, TOPICS, prefix=topic_prefix)
    routed = dispute_routed(1)
    advice = AdviceSubmitted(
        advice_id="advice-9",
        by=Actor(subject="j", organisation="吉7101", role="trial_judge"),
        at=datetime.now(UTC),
        version=1,
    )
    async with session_factory() as session, session.begin():
        await Outbox("intake").emit(session, routed, subject=routed.dispute_id, time=routed.routed_at)
        token = context.traceparent.set(TRACEPARENT)  # as the web middleware sets it from a request's header
        try:
            await Outbox("judicial-advice").emit(session, advice, subject="advice-9", time=advice.at)
        finally:
            context.traceparent.reset(token)
        # A row written before the switch, with the headers events then carried: it leaves in structured mode too.
        earlier = advice.model_copy(update={"advice_id": "advice-10"})
        legacy = make_envelope(earlier, source="judicial-advice", subject="advice-10", time=advice.at)
        await session.execute(
            outbox_table.insert().values(
                event_id=str(legacy.id),
                topic=ADVICE_ITEMS.name,
                key="advice-10",
                event_type=legacy.type,
                payload=legacy.model_dump_json(),
                headers={"ce_type": legacy.type, "ce_id": str(legacy.id), "correlationid": legacy.correlationid},
                created_at=advice.at,
            )
        )
    relay = OutboxRelay(
        engine, service="intake", bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix, poll_seconds=0.2
    )
    async with running(relay):
        await eventually(lambda: _outbox_empty(engine), what="the outbox to drain")

    document = json.loads(ASYNCAPI.read_text())
    topics = [t.physical(topic_prefix) for t in (INTAKE_DISPUTES, ADVICE_ITEMS)]
    records = await read_all(kafka_bootstrap, topics, quiet_seconds=2)
    events = {read_as_a_partner(r, document, topic_prefix).get_subject(): r for r in records}
    assert set(events) == {routed.dispute_id, "advice-9", "advice-10"}
    assert dict(events["advice-9"].headers) == {
        "content-type": b"application/cloudevents+json",
        "traceparent": TRACEPARENT.encode(),
    }
    for subject in (routed.dispute_id, "advice-10"):
        assert dict(events[subject].headers) == {"content-type": b"application/cloudevents+json"}
    sdk = ce_kafka.from_kafka_event(
        ce_kafka.KafkaMessage(
            headers=dict(events[routed.dispute_id].headers), key=None, value=events[routed.dispute_id].value
        )
    )
    assert sdk.get_data() == routed.model_dump(mode="json")
    assert sdk.get_source() == "intake"


async def _outbox_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))
        return int((await conn.execute(query)).scalar_one()) == 0


# Every event the demo's story makes happen (sweep-only events such as overdue or expired need days to pass).
DEMO_EVENTS = {
    "intake.dispute.routed",
    "intake.dispute.filed",
    "mediation.case.opened",
    "mediation.case.mediator_assigned",
    "mediation.case.accepted",
    "mediation.case.extended",
    "mediation.case.settled",
    "mediation.case.failed",
    "enforcement.inquiry.submitted",
    "enforcement.inquiry.accepted",
    "enforcement.inquiry.advice_issued",
    "enforcement.asset_query.requested",
    "enforcement.asset_query.answered",
    "advice.item.drafted",
    "advice.item.submitted",
    "advice.item.approved",
    "advice.item.issued",
    "advice.item.delivered",
    "advice.item.replied",
}


async def test_every_record_of_the_demo_is_read_by_the_cloudevents_sdk_and_matches_the_published_document(
    service_processes: StartServices, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> None:
    services = await service_processes("intake", "finance-mediation", "enforcement-inquiry", "judicial-advice")
    await asyncio.to_thread(Demo({name: s.url for name, s in services.items()}, keys_dir).run)
    document = json.loads(ASYNCAPI.read_text())
    records = await read_all(kafka_bootstrap, [t.physical(topic_prefix) for t in TOPICS], quiet_seconds=5)
    seen = Counter(read_as_a_partner(record, document, topic_prefix).get_type() for record in records)
    assert set(seen) >= DEMO_EVENTS, f"the demo's events not seen: {sorted(DEMO_EVENTS - set(seen))}"
    assert sum(seen.values()) == len(records) > 100
