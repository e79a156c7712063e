"""Reading back everything on a topic, for assertions on what was really published."""

from __future__ import annotations

import time
import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord


async def read_topic(
    bootstrap_servers: str, topic: str, *, expected: int, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """All records of `topic` from the beginning. Waits until `expected` arrived (or timeout), then keeps
    draining briefly so that extra records (duplicates) would be seen too."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        for _ in range(3):
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records
