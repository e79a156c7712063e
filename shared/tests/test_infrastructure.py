"""The test session really runs on PostgreSQL and Kafka, and migrations apply on both backends."""

from __future__ import annotations

from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
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
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest",
                                group_id=f"{topic_prefix}g")  # fmt: skip
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert message.value == b"hello"
