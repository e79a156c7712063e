"""The test session really runs on PostgreSQL and Kafka, and migrations apply on both backends."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from courtlink_shared.infra import kafka_local, postgres_local
from courtlink_shared.infra.processes import InfraError, pid_alive, port_open
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

PLATFORM_TABLES = {"outbox", "inbox", "deadlines", "number_sequences", "relay_lease"}


async def test_database_is_real_postgresql_with_platform_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        version = (await conn.execute(text("SHOW server_version"))).scalar_one()
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert int(version.split(".")[0]) >= 13
    assert tables >= PLATFORM_TABLES


async def test_migrations_apply_on_sqlite_and_twice_is_harmless(tmp_path: Path) -> None:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path}/svc.db")
    await upgrade(eng)
    await upgrade(eng)
    async with eng.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await eng.dispose()
    assert tables >= PLATFORM_TABLES


async def test_kafka_round_trip_on_the_real_broker(kafka_bootstrap: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}smoke"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=f"{topic_prefix}g"
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert message.value == b"hello"


def test_a_missing_jdk_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: no java, no mvn
    monkeypatch.setenv("COURTLINK_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InfraError, match=r"^`java` was not found on PATH: install a JDK 17 or newer"):
        kafka_local.start("never")


def test_a_missing_maven_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java is not None
    (tmp_path / "java").symlink_to(java)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("COURTLINK_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InfraError, match=r"^`mvn` was not found on PATH: install Apache Maven"):
        kafka_local.start("never")


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="exercises the local launcher")
def test_starting_kafka_twice_is_harmless_and_stopping_leaves_no_process() -> None:
    name = f"twice-{uuid.uuid4().hex[:6]}"
    first = kafka_local.start(name, fresh=True)
    try:
        second = kafka_local.start(name)
        assert second == first
    finally:
        kafka_local.stop(name, remove_data=True)
    assert not pid_alive(first.pid)
    assert not port_open(first.port)


def test_starting_postgres_twice_is_harmless_and_stopping_leaves_no_process() -> None:
    name = f"twice-{uuid.uuid4().hex[:6]}"
    first = postgres_local.start(name)
    try:
        assert postgres_local.start(name) == first
    finally:
        postgres_local.stop(name)
    assert not port_open(first.port)
    assert not first.data_dir.exists()
