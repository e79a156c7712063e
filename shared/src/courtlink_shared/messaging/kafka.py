"""aiokafka with the project's settings and a timeout on every await that touches the broker.

aiokafka's `start`, `send` and `stop` can hang while the broker is down (see its issue tracker), so every call
here is bounded and a failed client is stopped and thrown away rather than reused. Bounded means `within`, not
`asyncio.wait_for`: after a broker restart an idempotent producer can retry an out-of-order batch forever, and its
`stop()` awaits that retry even when cancelled (aio-libs/aiokafka#1017), so `wait_for`, which waits for the
cancelled call to finish, would hang with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from courtlink_shared.events.topics import Topic
from courtlink_shared.messaging.partitioner import key_partition

log = logging.getLogger(__name__)
T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """The awaitable's result, or TimeoutError after `seconds`, when the call is cancelled and left behind: unlike
    `asyncio.wait_for`, this never waits for a call that ignores its cancellation."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise TimeoutError(f"no answer within {seconds}s")
    if task.cancelled():  # cancelled inside the client, not by our caller: a failed call, not a shutdown
        raise ConnectionError("the Kafka client cancelled the call")
    return task.result()


def _retrieve(task: asyncio.Future[Any]) -> None:
    # An abandoned call's late failure is expected: fetch it so that asyncio does not report it as never retrieved.
    if not task.cancelled():
        task.exception()


def create_producer(bootstrap_servers: str, *, timeout_seconds: float, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas (acks=all), partitioning by key as the Java
    client does."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        partitioner=key_partition,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=512 * 1024,
        request_timeout_ms=int(timeout_seconds * 1000),
        retry_backoff_ms=200,
    )


async def start_client(client: Any, timeout_seconds: float) -> None:
    """Start an aiokafka client, or stop it and raise TimeoutError/KafkaError."""
    try:
        await within(client.start(), timeout_seconds)
    except BaseException:
        await stop_client(client, timeout_seconds)
        raise


async def stop_client(client: Any, timeout_seconds: float) -> None:
    """Stop an aiokafka client without ever hanging (errors are logged, not raised)."""
    try:
        await within(client.stop(), timeout_seconds)
    except Exception as exc:  # a broken client must not block shutdown
        log.warning("stopping %s failed: %r", type(client).__name__, exc)


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[Topic], *, prefix: str = "", timeout_seconds: float = 15.0
) -> None:
    """Create each topic and its dead-letter twin if they do not exist yet, with the declared partitions and
    replication (capped at the number of brokers, so that a single development broker serves too)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_seconds * 1000))
    await start_client(admin, timeout_seconds)
    try:
        existing = set(await within(admin.list_topics(), timeout_seconds))
        brokers = len((await within(admin.describe_cluster(), timeout_seconds))["brokers"])
        wanted = []
        for topic in topics:
            replicas, min_insync = topic.replication_on(brokers)
            for name in (topic.physical(prefix), topic.dead_letter(prefix)):
                if name not in existing:
                    wanted.append(
                        NewTopic(
                            name,
                            num_partitions=topic.partitions,
                            replication_factor=replicas,
                            topic_configs={"min.insync.replicas": str(min_insync)},
                        )
                    )
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await within(admin.create_topics(wanted), timeout_seconds)
    finally:
        try:
            await within(admin.close(), timeout_seconds)
        except Exception as exc:
            log.warning("closing the Kafka admin client failed: %r", exc)
