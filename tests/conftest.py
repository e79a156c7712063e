"""Fixtures of the system tests: the services as real uvicorn processes, or as apps in the test's own process, on
real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from courtlink_shared.clock import Clock
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, start_worker, wait_ready
from courtlink_shared.testing.apps import connection_settings, serving
from enforcement_inquiry.app import create_app as create_enforcement
from enforcement_inquiry.settings import Settings as EnforcementSettings
from fastapi import FastAPI
from finance_mediation.app import create_app as create_mediation
from finance_mediation.settings import Settings as MediationSettings
from intake.app import create_app as create_intake
from intake.settings import Settings as IntakeSettings
from judicial_advice.app import create_app as create_advice
from judicial_advice.settings import Settings as AdviceSettings
from system_fixtures import COURT_PLACES, InProcess, StartInProcess, StartServices


@pytest.fixture
async def service_processes(
    new_database: Callable[[], Awaitable[str]],
    kafka_bootstrap: str,
    topic_prefix: str,
    keys_dir: Path,
    tmp_path: Path,
) -> AsyncIterator[StartServices]:
    """Start the named services, each on its own new database, and wait until they are ready; all are
    stopped at the end of the test. With BACKGROUND_WORK=worker each gets its worker process too."""
    started: list[ServiceProcess] = []

    async def start(*names: str, databases: dict[str, str] | None = None, **settings: str) -> dict[str, ServiceProcess]:
        ports = listen_ports(len(names))
        processes = {}
        for name, port in zip(names, ports, strict=True):
            env = {
                "DATABASE_URL": (databases or {}).get(name) or await new_database(),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KAFKA_TOPIC_PREFIX": topic_prefix,
                "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
                "RELAY_POLL_SECONDS": "0.2",
                "SWEEP_INTERVAL_SECONDS": "1",
                "ASSET_QUERY_WINDOW_SECONDS": "1",
                "LOG_LEVEL": "WARNING",
                "COURT_PLACES": COURT_PLACES,  # judicial-advice refuses to start without it; the others ignore it
                **settings,
            }
            processes[name] = start_service(name, port, env=env, log_dir=tmp_path / "logs")
            started.append(processes[name])
            if env.get("BACKGROUND_WORK") == "worker":  # its relay, consumers, sweeps and workers beside it
                started.append(start_worker(name, env=env, log_dir=tmp_path / "logs"))
        await asyncio.to_thread(wait_ready, list(processes.values()), 120)
        return processes

    try:
        yield start
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))


def _app(name: str, settings: dict[str, Any], clock: Clock | None) -> FastAPI:
    if name == "intake":
        return create_intake(IntakeSettings(**settings), clock=clock)
    if name == "finance-mediation":
        return create_mediation(MediationSettings(**settings), clock=clock)
    if name == "enforcement-inquiry":
        return create_enforcement(EnforcementSettings(**settings), clock=clock)
    if name == "judicial-advice":
        return create_advice(AdviceSettings(**settings), clock=clock)
    raise ValueError(f"no service {name!r}")


@pytest.fixture
async def in_process(
    new_database: Callable[[], Awaitable[str]], kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> AsyncIterator[StartInProcess]:
    """Start the named services in the test's process, each on its own new database (or the one `database(name)`
    gives) with the session's broker and keys and its own settings, on the real clock unless `clocks` names one;
    each answers at `http://{name}`. All are stopped, in reverse order, at the end of the test."""
    async with AsyncExitStack() as stack:

        async def start(
            services: Mapping[str, Mapping[str, Any]],
            *,
            clocks: Mapping[str, Clock] | None = None,
            database: Callable[[str], Awaitable[str]] | None = None,
        ) -> dict[str, InProcess]:
            common = connection_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, keys_dir=keys_dir)
            started = {}
            for name, own in services.items():
                url = await database(name) if database else await new_database()
                app = _app(name, {"database_url": url, **common, **own}, (clocks or {}).get(name))
                started[name] = InProcess(app, await stack.enter_async_context(serving(app, name)))
            return started

        yield start
