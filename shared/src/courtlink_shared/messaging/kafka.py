"""aiokafka with the project's settings and a timeout on every await that touches the broker.

aiokafka's `start`, `send` and `stop` can hang while the broker is down (see its issue tracker), so every call
here is bounded and a failed client is stopped and thrown away rather than reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from courtlink_shared.events.topics import Topic

log = logging.getLogger(__name__)


def create_producer(bootstrap_servers: str, *, timeout_seconds: float, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas (acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=int(timeout_seconds * 1000),
        retry_backoff_ms=200,
    )


async def start_client(client: Any, timeout_seconds: float) -> None:
    """Start an aiokafka client, or stop it and raise TimeoutError/KafkaError."""
    try:
        await asyncio.wait_for(client.start(), timeout_seconds)
    except BaseException:
        await stop_client(client, timeout_seconds)
        raise


async def stop_client(client: Any, timeout_seconds: float) -> None:
    """Stop an aiokafka client without ever hanging (errors are logged, not raised)."""
    try:
        await asyncio.wait_for(client.stop(), timeout_seconds)
    except Exception as exc:  # a broken client must not block shutdown
        log.warning("stopping %s failed: %r", type(client).__name__, exc)


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[Topic], *, prefix: str = "", timeout_seconds: float = 15.0
) -> None:
    """Create each topic and its dead-letter twin if they do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_seconds * 1000))
    await start_client(admin, timeout_seconds)
    try:
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout_seconds))
        wanted = []
        for topic in topics:
            for name in (topic.physical(prefix), topic.dead_letter(prefix)):
                if name not in existing:
                    wanted.append(NewTopic(name, num_partitions=topic.partitions, replication_factor=1))
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await asyncio.wait_for(admin.create_topics(wanted), timeout_seconds)
    finally:
        try:
            await asyncio.wait_for(admin.close(), timeout_seconds)
        except Exception as exc:
            log.warning("closing the Kafka admin client failed: %r", exc)
