"""Reliability, with the services as real processes on real Kafka and PostgreSQL; each test counts that nothing
accepted was lost or doubled and prints its counts (run with -s to read them):

- the Kafka broker stopped and restarted in the middle of a 5,000-dispute batch;
- the mediation service killed (SIGKILL) mid-stream and restarted;
- a poison message on every topic that has a consumer;
- intake's PostgreSQL restarted under a steady load of submissions.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from courtlink_shared.auth.principal import Role
from courtlink_shared.events.common import Claim, Organisation, Party
from courtlink_shared.events.envelope import make_envelope
from courtlink_shared.events.intake import DisputeFiled
from courtlink_shared.events.kafka_binding import from_kafka
from courtlink_shared.events.topics import INTAKE_DISPUTES, MEDIATION_CASES, PLATFORM_CALENDAR
from courtlink_shared.infra import kafka_local, postgres_local
from courtlink_shared.infra.service_processes import ServiceProcess, restart, wait_ready
from courtlink_shared.testing.factories import resident_id
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from system_fixtures import BANK, COURT, StartServices, bearer, dispute

Counts = dict[str, int]


def _dsn(service: ServiceProcess) -> str:
    return service.env["DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")


async def _scalar(service: ServiceProcess, sql: str) -> int:
    conn = await asyncpg.connect(_dsn(service))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def _count_reaches(service: ServiceProcess, sql: str, n: int, *, timeout: float, what: str) -> None:
    async def reached() -> bool:
        return await _scalar(service, sql) >= n

    await eventually(reached, timeout=timeout, what=what)


async def _post_batch(intake: ServiceProcess, keys_dir: Path, rows: list[dict[str, Any]]) -> str:
    async with httpx.AsyncClient(base_url=intake.url, timeout=120) as http:
        response = await http.post(
            "/batches", json={"disputes": rows}, headers=bearer(keys_dir, Role.BANK_OPERATOR, BANK)
        )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def _batch_processed(intake: ServiceProcess, keys_dir: Path, batch_id: str) -> int:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        seen = await http.get(f"/batches/{batch_id}", headers=bearer(keys_dir, Role.BANK_OPERATOR, BANK))
    return int(seen.json()["processed_rows"])


def _report(name: str, counts: Counts) -> None:
    print(f"\nRELIABILITY {name}: {json.dumps(counts)}")


CASES = "SELECT count(*) FROM cases"
DISTINCT_CASES = "SELECT count(DISTINCT dispute_id) FROM cases"
ROUTED = "SELECT count(*) FROM disputes WHERE mediation_number IS NOT NULL"
UNSENT = "SELECT count(*) FROM outbox WHERE published_at IS NULL"


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="needs a broker this test can stop")
async def test_a_broker_outage_in_the_middle_of_a_5000_dispute_batch_loses_and_doubles_nothing(
    service_processes: StartServices, keys_dir: Path, topic_prefix: str
) -> None:
    total = 5000
    name = f"outage-{topic_prefix.strip('.')}"
    broker = kafka_local.start(name, fresh=True)
    try:
        services = await service_processes(
            "intake", "finance-mediation", KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers
        )
        intake, mediation = services["intake"], services["finance-mediation"]
        batch_id = await _post_batch(intake, keys_dir, [dispute(n) for n in range(total)])
        await eventually(
            lambda: _at_least(_batch_processed(intake, keys_dir, batch_id), 1000), timeout=120, what="1,000 rows"
        )

        kafka_local.stop(name)
        stopped_at = await _batch_processed(intake, keys_dir, batch_id)
        await asyncio.sleep(5)
        during_outage = await _batch_processed(intake, keys_dir, batch_id) - stopped_at
        unsent_during_outage = await _scalar(intake, UNSENT)
        kafka_local.start(name, port=broker.port)

        await _count_reaches(mediation, CASES, total, timeout=300, what="every case opened after the outage")
        await eventually(lambda: _is_zero(_scalar(intake, UNSENT)), timeout=120, what="intake's outbox drained")
        counts = {
            "rows": total,
            "processed_before_the_outage": stopped_at,
            "processed_during_the_outage": during_outage,
            "events_waiting_in_the_outbox_during_the_outage": unsent_during_outage,
            "disputes_routed": await _scalar(intake, ROUTED),
            "cases_opened": await _scalar(mediation, CASES),
            "distinct_disputes_with_a_case": await _scalar(mediation, DISTINCT_CASES),
        }
        records = await read_topic(broker.bootstrap_servers, INTAKE_DISPUTES.physical(topic_prefix), expected=2 * total)
        events = [from_kafka(r.value, r.headers) for r in records]
        routed = {e.id for e in events if e.type == "intake.dispute.routed"}
        ids = {e.id for e in events}
        counts |= {
            "distinct_routed_events_on_the_topic": len(routed),
            "distinct_event_ids_on_the_topic": len(ids),
            # Delivery is at least once: an event whose acknowledgement the outage swallowed is sent again, and
            # the consumers' inbox absorbs the copy (one case per dispute above).
            "copies_sent_again_after_the_outage": len(records) - len(ids),
        }
        _report("broker restart mid-batch", counts)
    finally:
        kafka_local.stop(name, remove_data=True)
    assert during_outage > 0, "intake kept accepting rows while the broker was down"
    assert counts["disputes_routed"] == counts["cases_opened"] == counts["distinct_disputes_with_a_case"] == total
    assert counts["distinct_routed_events_on_the_topic"] == total
    assert counts["distinct_event_ids_on_the_topic"] == 2 * total  # submitted + routed: none lost


async def test_the_mediation_service_killed_mid_stream_and_restarted_opens_each_case_once(
    service_processes: StartServices, keys_dir: Path
) -> None:
    total = 3000
    services = await service_processes("intake", "finance-mediation")
    intake, mediation = services["intake"], services["finance-mediation"]
    await _post_batch(intake, keys_dir, [dispute(n) for n in range(total)])
    await _count_reaches(mediation, CASES, 300, timeout=120, what="300 cases before the kill")

    mediation.kill()
    opened_at_kill = await _scalar(mediation, CASES)
    mediation = restart(mediation)  # not known to the fixture: stopped here
    try:
        await asyncio.to_thread(wait_ready, [mediation], 120)
        await _count_reaches(mediation, CASES, total, timeout=300, what="every case after the restart")
        opened_event = "SELECT count(*) FROM dispute_timeline WHERE kind = 'mediation.case.opened'"
        await _count_reaches(intake, opened_event, total, timeout=120, what="intake hearing of every opening")
        await asyncio.sleep(2)  # anything doubled would have arrived by now
        counts = {
            "disputes": total,
            "cases_opened_when_killed": opened_at_kill,
            "cases_opened": await _scalar(mediation, CASES),
            "distinct_disputes_with_a_case": await _scalar(mediation, DISTINCT_CASES),
            "openings_in_intake_timelines": await _scalar(intake, opened_event),
        }
        _report("mediation SIGKILL mid-stream", counts)
    finally:
        mediation.stop()
    assert 0 < opened_at_kill < total
    assert counts["cases_opened"] == counts["distinct_disputes_with_a_case"] == total
    assert counts["openings_in_intake_timelines"] == total


async def test_a_poison_message_on_every_consumed_topic_is_dead_lettered_and_the_next_event_handled(
    service_processes: StartServices, keys_dir: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    services = await service_processes("intake", "finance-mediation", "enforcement-inquiry")
    poison = b'{"specversion": "1.0", "type": "intake.dispute.routed", "data": "not an event"}'
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for topic in (INTAKE_DISPUTES, MEDIATION_CASES, PLATFORM_CALENDAR):
            await producer.send_and_wait(topic.physical(topic_prefix), poison, key=b"poison")
    finally:
        await producer.stop()

    # After the poison: a dispute goes intake → mediation (intake.disputes) → intake (mediation.cases) ...
    bank = bearer(keys_dir, Role.BANK_OPERATOR, BANK)
    async with httpx.AsyncClient(base_url=services["intake"].url, timeout=30) as http:
        created = await http.post("/disputes", json=dispute(1), headers=bank)
        dispute_id = created.json()["id"]

        async def intake_heard_of_the_case() -> bool:
            seen = (await http.get(f"/disputes/{dispute_id}", headers=bank)).json()
            return "mediation.case.opened" in [e["kind"] for e in seen["timeline"]]

        await eventually(intake_heard_of_the_case, timeout=60, what="the dispute's case in intake's timeline")
    # ... and a filed case reaches the enforcement bureau (intake.disputes, its second consumer group).
    await _publish_filed(kafka_bootstrap, topic_prefix)
    filed_cases = "SELECT count(*) FROM filed_cases"
    await _count_reaches(services["enforcement-inquiry"], filed_cases, 1, timeout=60, what="the filed case")

    # ... and a year's arrangement loaded through intake reaches the others (platform.calendar, every service's group).
    await _arrangement_reaches_every_service(services, keys_dir)

    dead_disputes = await read_topic(kafka_bootstrap, f"{INTAKE_DISPUTES.physical(topic_prefix)}.dlq", expected=2)
    dead_cases = await read_topic(kafka_bootstrap, f"{MEDIATION_CASES.physical(topic_prefix)}.dlq", expected=1)
    dead_calendar = await read_topic(kafka_bootstrap, PLATFORM_CALENDAR.dead_letter(topic_prefix), expected=3)
    dead = dead_disputes + dead_cases + dead_calendar
    counts = {
        "intake.disputes.dlq": len(dead_disputes),
        "mediation.cases.dlq": len(dead_cases),
        "platform.calendar.dlq": len(dead_calendar),
        "consumer_groups_that_dead_lettered": len({dict(r.headers)["dlq.consumer"] for r in dead}),
    }
    _report("poison messages", counts)
    assert all(r.value == poison for r in dead)
    assert counts == {
        "intake.disputes.dlq": 2,
        "mediation.cases.dlq": 1,
        "platform.calendar.dlq": 3,
        "consumer_groups_that_dead_lettered": 6,
    }


async def _arrangement_reaches_every_service(services: dict[str, ServiceProcess], keys_dir: Path) -> None:
    """This year's calendar loaded unchanged through intake is kept, through the event, by every other service."""
    admin = bearer(keys_dir, Role.COURT_ADMIN, COURT, "calendar-admin")
    year = datetime.now(UTC).year
    async with httpx.AsyncClient(timeout=30) as http:
        years = (await http.get(f"{services['intake'].url}/calendar/years", headers=admin)).json()["years"]
        current = next(y for y in years if y["year"] == year)
        notice = "国办发明电（测试）"
        body = {"holidays": current["holidays"], "working_days": current["working_days"], "notice": notice}
        loaded = await http.put(f"{services['intake'].url}/calendar/years/{year}", json=body, headers=admin)
        assert loaded.status_code == 200, loaded.text
        for name in ("finance-mediation", "enforcement-inquiry"):

            async def kept(url: str = services[name].url) -> bool:
                known = (await http.get(f"{url}/calendar/years", headers=admin)).json()["years"]
                return any(y["year"] == year and y["source"] == "loaded" for y in known)

            await eventually(kept, timeout=60, what=f"{name} keeping the arrangement loaded through intake")


async def _publish_filed(bootstrap: str, prefix: str) -> None:
    """A case filed by intake, as intake's relay publishes it."""
    total, zero = Decimal("51500.00"), Decimal("0.00")
    event = DisputeFiled(
        dispute_id=str(uuid.uuid4()),
        case_number=f"（2026）{COURT}民初777号",
        court_code=COURT,
        mediation_number=None,
        claimant=Organisation(name="示例银行股份有限公司", code=BANK),
        respondents=[Party(kind="person", name="借款人", id_number=resident_id(777))],
        claim=Claim(principal=total, interest=zero, penalty=zero, fees=zero, total=total),
        filed_at=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        envelope = make_envelope(event, source="intake", subject=event.dispute_id, time=event.filed_at)
        await producer.send_and_wait(
            INTAKE_DISPUTES.physical(prefix), envelope.model_dump_json().encode(), key=event.dispute_id.encode()
        )
    finally:
        await producer.stop()


async def test_intakes_database_restarted_under_load_loses_and_doubles_nothing(
    service_processes: StartServices, keys_dir: Path, topic_prefix: str
) -> None:
    total, rate = 600, 30.0
    name = f"restart-{topic_prefix.strip('.')}"
    cluster = postgres_local.start(name)  # intake's own cluster, so that only intake's database restarts
    try:
        admin = await asyncpg.connect(cluster.url(driver="asyncpg").replace("postgresql+asyncpg", "postgresql"))
        await admin.execute('CREATE DATABASE "intake"')
        await admin.close()
        services = await service_processes("intake", "finance-mediation", databases={"intake": cluster.url("intake")})
        intake, mediation = services["intake"], services["finance-mediation"]
        statuses: Counter[int] = Counter()
        accepted: set[str] = set()
        bank = bearer(keys_dir, Role.BANK_OPERATOR, BANK)
        async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
            started = time.perf_counter()

            async def submit(n: int) -> None:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                body = dispute(10_000 + n)
                while True:  # a bank's client: retry the same submission (idempotent by its reference)
                    try:
                        response = await http.post("/disputes", json=body, headers=bank)
                    except httpx.TransportError:
                        statuses[0] += 1
                        await asyncio.sleep(1)
                        continue
                    statuses[response.status_code] += 1
                    if response.status_code in (200, 201):
                        accepted.add(response.json()["id"])
                        return
                    assert response.status_code == 503, response.text
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))

            load = asyncio.gather(*(submit(n) for n in range(total)))
            await asyncio.sleep(total / rate / 3)
            await asyncio.to_thread(postgres_local.restart, name)
            await load
        await _count_reaches(mediation, CASES, total, timeout=180, what="every case after the restart")
        await eventually(lambda: _is_zero(_scalar(intake, UNSENT)), timeout=120, what="intake's outbox drained")
        counts = {
            "submissions": total,
            "answers_201": statuses[201],
            "answers_200_replay": statuses[200],
            "answers_503_retried": statuses[503],
            "connection_errors_retried": statuses[0],
            "answers_500": statuses[500],
            "distinct_disputes_accepted": len(accepted),
            "disputes_in_intake": await _scalar(intake, "SELECT count(*) FROM disputes"),
            "cases_opened": await _scalar(mediation, CASES),
            "distinct_disputes_with_a_case": await _scalar(mediation, DISTINCT_CASES),
        }
        _report("database restart under load", counts)
        intake.stop()  # before its cluster goes
    finally:
        postgres_local.stop(name)
    assert counts["answers_503_retried"] + counts["connection_errors_retried"] > 0, "the restart went unnoticed"
    assert counts["answers_500"] == 0
    assert counts["distinct_disputes_accepted"] == counts["disputes_in_intake"] == total
    assert counts["cases_opened"] == counts["distinct_disputes_with_a_case"] == total


async def _at_least(value: Awaitable[int], n: int) -> bool:
    return await value >= n


async def _is_zero(value: Awaitable[int]) -> bool:
    return await value == 0
