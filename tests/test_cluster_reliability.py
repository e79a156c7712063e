"""Reliability on a three-broker KRaft cluster (replication 3, min.insync.replicas 2) with the services as real
processes, as deploy/kubernetes runs them; each test counts that nothing was lost or doubled and prints its counts
(run with -s to read them):

- the broker leading partitions of intake.disputes killed (SIGKILL) in the middle of a 5,000-dispute batch and
  started again later;
- two replicas of every service on the cluster and PostgreSQL: consumer groups split the partitions, one relay per
  service publishes, and one replica of each service is killed (SIGKILL) mid-batch while the other carries on.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from courtlink_shared.auth.principal import Role
from courtlink_shared.events.topics import INTAKE_DISPUTES
from courtlink_shared.infra import kafka_local
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import SERVICES, ServiceProcess, start_service, wait_ready
from courtlink_shared.testing.kafka_reader import read_topic
from courtlink_shared.testing.waiting import eventually
from system_fixtures import BANK, StartServices, bearer, dispute

CASES = "SELECT count(*) FROM cases"
DISTINCT_CASES = "SELECT count(DISTINCT dispute_id) FROM cases"
ROUTED = "SELECT count(*) FROM disputes WHERE mediation_number IS NOT NULL"
UNSENT = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
BATCH_ROWS = "SELECT coalesce(sum(processed_rows), 0) FROM batches"
CHUNK = 250  # intake processes a batch 250 rows per transaction
OPENINGS = "SELECT count(*) FROM dispute_timeline WHERE kind = 'mediation.case.opened'"
DISTINCT_OPENINGS = "SELECT count(DISTINCT dispute_id) FROM dispute_timeline WHERE kind = 'mediation.case.opened'"


@pytest.fixture(scope="module")
def kafka_cluster() -> Iterator[kafka_local.KafkaCluster]:
    """A fresh three-broker cluster for this module, removed afterwards."""
    name = f"cluster-{uuid.uuid4().hex[:8]}"
    try:
        yield kafka_local.start_cluster(name, brokers=3, fresh=True)
    finally:
        kafka_local.stop_cluster(name, remove_data=True)


async def _scalar(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def _reaches(dsn: str, sql: str, n: int, *, timeout: float, what: str) -> None:
    async def reached() -> bool:
        return await _scalar(dsn, sql) >= n

    await eventually(reached, timeout=timeout, what=what)


async def _post_batch(intake: ServiceProcess, keys_dir: Path, total: int) -> str:
    async with httpx.AsyncClient(base_url=intake.url, timeout=120) as http:
        response = await http.post(
            "/batches",
            json={"disputes": [dispute(n) for n in range(total)]},
            headers=bearer(keys_dir, Role.BANK_OPERATOR, BANK),
        )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def _partitions(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """The topic's partitions as the cluster's metadata has them: partition, leader, replicas, isr."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return sorted(described["partitions"], key=lambda p: p["partition"])
    finally:
        await admin.close()


async def _topic_setting(bootstrap: str, topic: str, setting: str) -> str:
    """One setting of the topic as the cluster holds it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        (resource,) = response.to_object()["resources"]
        return str(next(e["config_value"] for e in resource["config_entries"] if e["config_names"] == setting))
    finally:
        await admin.close()


def _report(name: str, counts: dict[str, Any]) -> None:
    print(f"\nCLUSTER {name}: {json.dumps(counts)}")


def _stage(what: str) -> None:
    """A time-stamped line per step (with -s): where a slow run spends its time on a loaded machine."""
    print(f"{time.strftime('%H:%M:%S')} {what}", flush=True)


@pytest.mark.timeout(600)  # a cluster, two services and 5,000 disputes: about 3 minutes on an idle machine
async def test_the_leader_of_intake_disputes_killed_mid_batch_and_restarted_loses_and_doubles_nothing(
    kafka_cluster: kafka_local.KafkaCluster, service_processes: StartServices, keys_dir: Path, topic_prefix: str
) -> None:
    total = 5000
    topic = INTAKE_DISPUTES.physical(topic_prefix)
    services = await service_processes(
        "intake", "finance-mediation", KAFKA_BOOTSTRAP_SERVERS=kafka_cluster.bootstrap_servers
    )
    intake, mediation = services["intake"], services["finance-mediation"]
    intake_db, mediation_db = intake.env["DATABASE_URL"], mediation.env["DATABASE_URL"]
    before = await _partitions(kafka_cluster.bootstrap_servers, topic)
    _stage("services ready; posting the batch")
    await _post_batch(intake, keys_dir, total)
    await _reaches(mediation_db, CASES, 1000, timeout=120, what="1,000 cases before the kill")

    leader = before[0]["leader"]  # the broker leading partition 0 (and, spread evenly, a third of the others)
    led = [p["partition"] for p in before if p["leader"] == leader]
    _stage(f"killing broker {leader}, leader of partitions {led}")
    await asyncio.to_thread(kafka_local.kill_node, kafka_cluster.name, leader)
    cases_at_kill = await _scalar(mediation_db, CASES)
    await asyncio.sleep(15)  # the two survivors carry on: a new leader from the ISR, two replicas in sync
    during = await _partitions(kafka_cluster.bootstrap_servers, topic)
    cases_while_down = await _scalar(mediation_db, CASES) - cases_at_kill
    _stage(f"{cases_while_down} cases opened while it was down; restarting it")
    await asyncio.to_thread(kafka_local.start_node, kafka_cluster.name, leader)
    _stage("restarted; waiting for every case")
    await _reaches(mediation_db, CASES, total, timeout=240, what="every case opened")
    await eventually(lambda: _zero(_scalar(intake_db, UNSENT)), timeout=120, what="intake's outbox drained")
    await _reaches(intake_db, OPENINGS, total, timeout=120, what="intake hearing of every opening")

    async def isr_complete() -> bool:
        return all(len(p["isr"]) == 3 for p in await _partitions(kafka_cluster.bootstrap_servers, topic))

    _stage("every case opened and heard of; waiting for the full ISR")
    await eventually(isr_complete, timeout=120, what="the restarted broker back in every ISR")
    records = await read_topic(kafka_cluster.bootstrap_servers, topic, expected=2 * total, timeout=60)
    routed = {dict(r.headers)["ce_id"] for r in records if dict(r.headers)["ce_type"] == b"intake.dispute.routed"}
    counts = {
        "disputes": total,
        "replicas_per_partition": sorted({len(p["replicas"]) for p in before}),
        "min_insync_replicas": await _topic_setting(kafka_cluster.bootstrap_servers, topic, "min.insync.replicas"),
        "killed_broker": leader,
        "partitions_it_led": led,
        "new_leaders_of_those": sorted({p["leader"] for p in during if p["partition"] in led}),
        "isr_sizes_while_down": sorted({len(p["isr"]) for p in during}),
        "cases_opened_before_the_kill": cases_at_kill,
        "cases_opened_while_it_was_down": cases_while_down,
        "disputes_routed": await _scalar(intake_db, ROUTED),
        "cases_opened": await _scalar(mediation_db, CASES),
        "distinct_disputes_with_a_case": await _scalar(mediation_db, DISTINCT_CASES),
        "openings_in_intake_timelines": await _scalar(intake_db, OPENINGS),
        "distinct_routed_events_on_the_topic": len(routed),
        "distinct_event_ids_on_the_topic": len({dict(r.headers)["ce_id"] for r in records}),
        "records_on_the_topic": len(records),
    }
    _report("partition leader SIGKILL mid-batch", counts)
    assert counts["replicas_per_partition"] == [3]
    assert counts["min_insync_replicas"] == "2"
    assert leader not in counts["new_leaders_of_those"]
    assert counts["isr_sizes_while_down"] == [2]
    assert cases_while_down > 0, "the cluster kept serving with one broker down"
    assert counts["disputes_routed"] == counts["cases_opened"] == counts["distinct_disputes_with_a_case"] == total
    assert counts["openings_in_intake_timelines"] == total
    assert counts["distinct_routed_events_on_the_topic"] == total
    assert counts["distinct_event_ids_on_the_topic"] == 2 * total


def _metric(text: str, name: str) -> float:
    """The sum of every sample of one metric in a Prometheus text page."""
    return sum(float(m[1]) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE))


async def _metrics(service: ServiceProcess) -> str:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as http:
        return (await http.get("/metrics")).text


@pytest.fixture
async def replicas(
    kafka_cluster: kafka_local.KafkaCluster,
    new_database: Callable[[], Awaitable[str]],
    keys_dir: Path,
    topic_prefix: str,
    tmp_path: Path,
) -> AsyncIterator[dict[str, list[ServiceProcess]]]:
    """Two replicas of every service, each pair on one database, all on the cluster; stopped at the end."""
    started: list[ServiceProcess] = []
    pairs: dict[str, list[ServiceProcess]] = {}
    ports = iter(listen_ports(2 * len(SERVICES)))
    for name in SERVICES:
        env = {
            "DATABASE_URL": await new_database(),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": topic_prefix,
            "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
            "RELAY_POLL_SECONDS": "0.2",
            "SWEEP_INTERVAL_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
        }
        pairs[name] = [start_service(name, next(ports), env=env, log_dir=tmp_path / f"logs-{i}") for i in (1, 2)]
        started += pairs[name]
    try:
        await asyncio.to_thread(wait_ready, started, 180)
        yield pairs
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))


@pytest.mark.timeout(600)
async def test_two_replicas_of_every_service_share_the_work_and_one_of_each_killed_mid_batch_loses_nothing(
    replicas: dict[str, list[ServiceProcess]], keys_dir: Path
) -> None:
    total = 3000
    intake_a, (mediation_a, mediation_b) = replicas["intake"][0], replicas["finance-mediation"]
    intake_db, mediation_db = intake_a.env["DATABASE_URL"], mediation_a.env["DATABASE_URL"]
    _stage("eight replicas ready; posting the batch")
    await _post_batch(intake_a, keys_dir, total)  # replica a takes the batch; it is the one killed below

    # Intake: kill the replica processing the batch while it is under way; the other replica must finish it.
    async def intake_under_way() -> bool:
        published = sum([_metric(await _metrics(r), "courtlink_events_published_total") for r in replicas["intake"]])
        return published > 0 and await _scalar(intake_db, BATCH_ROWS) >= 2 * CHUNK

    await eventually(intake_under_way, timeout=120, what="the batch under way and intake's relay publishing")
    intake_published = [_metric(await _metrics(r), "courtlink_events_published_total") for r in replicas["intake"]]
    intake_a.kill()
    rows_at_kill = await _scalar(intake_db, BATCH_ROWS)
    _stage(f"killed intake's batch replica at row {rows_at_kill}")

    # The others: once cases open, both mediation replicas consume (the group split intake.disputes' partitions
    # between them) and exactly one replica of each publishes its outbox. Kill mediation's publishing replica (the
    # relay must move) and one replica of each of the two other services.
    await _reaches(mediation_db, CASES, 600, timeout=120, what="600 cases before the kills")
    handled = [_metric(await _metrics(m), "courtlink_events_handled_total") for m in (mediation_a, mediation_b)]
    published = {
        "intake": intake_published,
        "finance-mediation": [
            _metric(await _metrics(m), "courtlink_events_published_total") for m in (mediation_a, mediation_b)
        ],
    }
    mediation_relay = 0 if published["finance-mediation"][0] > 0 else 1
    victims = {
        "intake": intake_a,
        "finance-mediation": replicas["finance-mediation"][mediation_relay],
        "enforcement-inquiry": replicas["enforcement-inquiry"][0],
        "judicial-advice": replicas["judicial-advice"][0],
    }
    _stage(f"handled per mediation replica {handled}, published per replica {published}; killing one of each")
    for name, victim in victims.items():
        if name != "intake":
            victim.kill()
    cases_at_kill = await _scalar(mediation_db, CASES)
    survivors = {name: next(r for r in pair if r is not victims[name]) for name, pair in replicas.items()}

    await _reaches(mediation_db, CASES, total, timeout=240, what="every case opened after the kills")
    await eventually(lambda: _zero(_scalar(intake_db, UNSENT)), timeout=120, what="intake's outbox drained")
    await eventually(lambda: _zero(_scalar(mediation_db, UNSENT)), timeout=120, what="mediation's outbox drained")
    await _reaches(intake_db, OPENINGS, total, timeout=120, what="intake hearing of every opening")
    await asyncio.sleep(2)  # anything doubled would have arrived by now
    counts = {
        "disputes": total,
        "events_handled_by_each_mediation_replica_before_the_kill": handled,
        "events_published_by_each_replica_before_the_kill": published,
        "batch_rows_processed_when_its_intake_replica_was_killed": rows_at_kill,
        "cases_opened_when_the_other_replicas_were_killed": cases_at_kill,
        "disputes_accepted": await _scalar(intake_db, "SELECT count(*) FROM disputes"),
        "disputes_routed": await _scalar(intake_db, ROUTED),
        "cases_opened": await _scalar(mediation_db, CASES),
        "distinct_disputes_with_a_case": await _scalar(mediation_db, DISTINCT_CASES),
        "openings_in_intake_timelines": await _scalar(intake_db, OPENINGS),
        "distinct_disputes_with_an_opening": await _scalar(intake_db, DISTINCT_OPENINGS),
        "survivors_ready": [await _ready(s) for s in survivors.values()],
    }
    _report("two replicas each, one of each SIGKILLed mid-batch", counts)
    assert all(n > 0 for n in handled), "both mediation replicas consumed a share of the partitions"
    for name, (a, b) in published.items():
        assert (a > 0) != (b > 0), f"exactly one relay of {name} published"
    assert rows_at_kill < total, "the surviving intake replica finished the batch"
    assert 600 <= cases_at_kill < total
    assert counts["disputes_accepted"] == counts["disputes_routed"] == total
    assert counts["cases_opened"] == counts["distinct_disputes_with_a_case"] == total
    assert counts["openings_in_intake_timelines"] == counts["distinct_disputes_with_an_opening"] == total
    assert counts["survivors_ready"] == [200] * len(SERVICES)


async def _ready(service: ServiceProcess) -> int:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as http:
        return (await http.get("/readyz")).status_code


async def _zero(value: Awaitable[int]) -> bool:
    return await value == 0
