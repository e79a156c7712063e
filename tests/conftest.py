"""Fixtures of the system tests: the services as real uvicorn processes on real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, wait_ready
from system_fixtures import COURT_PLACES, StartServices


@pytest.fixture
async def service_processes(
    new_database: Callable[[], Awaitable[str]],
    kafka_bootstrap: str,
    topic_prefix: str,
    keys_dir: Path,
    tmp_path: Path,
) -> AsyncIterator[StartServices]:
    """Start the named services, each on its own new database, and wait until they are ready; all are
    stopped at the end of the test."""
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
        await asyncio.to_thread(wait_ready, list(processes.values()), 120)
        return processes

    try:
        yield start
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))
