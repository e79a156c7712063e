"""Everything a service process runs besides HTTP: database (migrated on start), outbox relay, consumers,
deadline sweeps, background workers; started and stopped with the app's lifespan, or in a worker process of
their own (worker.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from courtlink_shared.auth.tokens import TokenVerifier
from courtlink_shared.clock import Clock, SystemClock
from courtlink_shared.db.engine import create_engine, create_session_factory
from courtlink_shared.db.migrations import upgrade
from courtlink_shared.deadlines import calendar_store
from courtlink_shared.deadlines.sweep import DeadlineHandler, DeadlineSweeper
from courtlink_shared.events.platform import CalendarArrangementLoaded
from courtlink_shared.events.topics import PLATFORM_CALENDAR, TOPICS, Topic
from courtlink_shared.messaging.consumer import AnyHandler, EventConsumer
from courtlink_shared.messaging.kafka import ensure_topics
from courtlink_shared.messaging.outbox import Outbox
from courtlink_shared.messaging.relay import OutboxRelay
from courtlink_shared.observability.task_dump import install_task_dump
from courtlink_shared.settings import ServiceSettings

log = logging.getLogger(__name__)
W = TypeVar("W")


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of the service: which topics it reads and which handler takes which event type."""

    group: str
    topics: Sequence[Topic]
    handlers: Mapping[str, AnyHandler]


@dataclass
class ServiceParts:
    """What a service plugs into the runtime: `workers` are background loops (they run with the relay and the
    consumers); `serving` loops are what this process's HTTP requests wait on (they run wherever HTTP is served)."""

    migrations_dir: Path | None = None
    consumers: Callable[[ServiceRuntime], Sequence[ConsumerSpec]] = lambda _: ()
    deadline_handlers: Callable[[ServiceRuntime], Mapping[str, DeadlineHandler]] = lambda _: {}
    ready_checks: list[Callable[[ServiceRuntime], bool]] = field(default_factory=list)
    workers: Callable[[ServiceRuntime], Sequence[Worker]] = lambda _: ()
    serving: Callable[[ServiceRuntime], Sequence[Worker]] = lambda _: ()


class Worker(Protocol):
    """A background loop of the service (e.g. batch processing) that runs until stop is set."""

    async def run(self, stop: asyncio.Event) -> None: ...


class ServiceRuntime:
    """The running infrastructure of one service process."""

    def __init__(self, settings: ServiceSettings, parts: ServiceParts, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.parts = parts
        self.clock: Clock = clock or SystemClock()
        self.outbox = Outbox(source=settings.service_name)
        self.verifier = TokenVerifier.from_settings(
            jwks_file=settings.auth_jwks_file,
            jwks=settings.auth_jwks,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            jwks_url=settings.auth_jwks_url,
            refetch_seconds=settings.auth_jwks_refetch_seconds,
            max_lifetime_seconds=settings.auth_max_token_lifetime_seconds,
        )
        self.engine: AsyncEngine = create_engine(
            settings.database_url, pool_timeout=settings.database_pool_timeout_seconds
        )
        self.session_factory: async_sessionmaker[AsyncSession] = create_session_factory(self.engine)
        self.relay = OutboxRelay(
            self.engine,
            service=settings.service_name,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic_prefix=settings.kafka_topic_prefix,
            timeout_seconds=settings.kafka_timeout_seconds,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
        )
        self.consumers: list[EventConsumer] = []
        self.sweeper: DeadlineSweeper | None = None
        self.workers: list[Worker] = []
        self.calendar = calendar_store.CalendarRefresher(
            self.session_factory,
            loader=f"{settings.service_name}:{id(self)}",
            clock=self.clock,
            interval_seconds=settings.calendar_refresh_seconds,
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, serve_requests: bool = True, background: bool = True) -> None:
        """Migrate the database, make sure the topics exist, keep the calendar current; with `serve_requests` the
        loops requests wait on, with `background` the relay, consumers, sweeps and background workers."""
        install_task_dump()
        await upgrade(self.engine, [self.parts.migrations_dir] if self.parts.migrations_dir else [])
        try:
            await ensure_topics(
                self.settings.kafka_bootstrap_servers,
                TOPICS,
                prefix=self.settings.kafka_topic_prefix,
                timeout_seconds=self.settings.kafka_timeout_seconds,
            )
        except Exception as exc:  # Kafka down at start: requests still work, events wait in the outbox
            log.warning("could not ensure topics (Kafka unreachable?): %r", exc)
        await self.calendar.refresh()  # the loaded arrangements count from the first request on
        self._spawn("calendar-refresh", self.calendar.run)
        background_workers, serving = list(self.parts.workers(self)), list(self.parts.serving(self))
        # every worker is constructed, so that requests can reach what it shares (intake's upload slots), but
        # only the loops of this process's role run
        self.workers = [*background_workers, *serving]
        if serve_requests:
            for worker in serving:
                self._spawn(type(worker).__name__, worker.run)
        if background:
            self._start_background(background_workers)

    def _start_background(self, workers: list[Worker]) -> None:
        self._spawn("outbox-relay", self.relay.run)
        for spec in [*self.parts.consumers(self), self._calendar_consumer()]:
            consumer = EventConsumer(
                name=f"{self.settings.kafka_topic_prefix}{spec.group}",
                session_factory=self.session_factory,
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                topics=list(spec.topics),
                handlers=spec.handlers,
                topic_prefix=self.settings.kafka_topic_prefix,
                timeout_seconds=self.settings.kafka_timeout_seconds,
                stall_seconds=self.settings.consumer_stall_seconds,
            )
            self.consumers.append(consumer)
            self._spawn(f"consumer-{spec.group}", consumer.run)
        for worker in workers:
            self._spawn(type(worker).__name__, worker.run)
        handlers = self.parts.deadline_handlers(self)
        if handlers:
            self.sweeper = DeadlineSweeper(self.session_factory, handlers, self.clock)
            interval = self.settings.sweep_interval_seconds
            self._spawn("deadline-sweep", functools.partial(self.sweeper.run, interval))

    def _calendar_consumer(self) -> ConsumerSpec:
        """Every service keeps the official calendar the court loads (its own group: each service reads it all)."""
        return ConsumerSpec(
            group=f"{self.settings.service_name}.calendar",
            topics=[PLATFORM_CALENDAR],
            handlers={CalendarArrangementLoaded.event_type: calendar_store.handle_arrangement_loaded},
        )

    def _spawn(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        self._tasks.append(asyncio.create_task(supervise(name, run, self._stop), name=name))

    def worker(self, kind: type[W]) -> W:
        """The running worker of a type (raises LookupError when the service has none)."""
        for worker in self.workers:
            if isinstance(worker, kind):
                return worker
        raise LookupError(kind.__name__)

    async def stop(self) -> None:
        """Stop background work: the relay flushes, consumers commit and leave their group."""
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.settings.kafka_timeout_seconds * 3)
            for task in pending:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await self.engine.dispose()

    async def readiness(self) -> dict[str, bool]:
        """Database and Kafka reachable, consumers making progress."""
        checks: dict[str, bool] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 5)
            checks["database"] = True
        except Exception:
            checks["database"] = False
        checks["kafka"] = await _kafka_reachable(self.settings.kafka_bootstrap_servers)
        for consumer in self.consumers:
            checks[f"consumer:{consumer.name}"] = consumer.healthy()
        for check in self.parts.ready_checks:
            checks[getattr(check, "__name__", "check")] = check(self)
        return checks

    def readiness_warnings(self) -> list[str]:
        """What operators should act on although the service is ready (e.g. next year's calendar is missing)."""
        return calendar_store.readiness_warnings(self.clock.now())


async def supervise(
    name: str, run: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event, *, pause_seconds: float = 1.0
) -> None:
    """Run a background loop until stop, restarting it when it ends early. Each loop handles its own errors;
    this is for what escapes them, e.g. a CancelledError raised inside a client library: without it the loop
    would end silently and the service would stop consuming while still answering HTTP."""
    while not stop.is_set():
        try:
            await run(stop)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if stop.is_set() or (current is not None and current.cancelling()):
                raise  # our own shutdown
            log.error("%s was cancelled from inside; restarting it", name)
        except Exception:
            log.exception("%s failed; restarting it", name)
        else:
            if not stop.is_set():
                log.error("%s ended by itself; restarting it", name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause_seconds)


async def _kafka_reachable(bootstrap_servers: str) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), 2)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        return True
    return False
