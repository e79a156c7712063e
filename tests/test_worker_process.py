"""A service's background work as a real process (`python -m courtlink_shared.worker`) on real Kafka and PostgreSQL:
it answers the orchestrator's probes and Prometheus on its own port, and stops cleanly on SIGTERM. And the service
processes' logs keep to LOG_LEVEL, uvicorn's access log included."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from courtlink_shared.infra.service_processes import ServiceProcess, start_worker, wait_ready
from system_fixtures import StartServices


async def _metrics_until(worker: ServiceProcess, *wanted: str, timeout: float = 60) -> str:
    """The worker's /metrics once it holds every wanted text (the consumers measure their lag once they have their
    partitions); the last answer if the time runs out."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=worker.url, timeout=10) as http:
        while True:
            response = await http.get("/metrics")
            assert response.status_code == 200
            if all(text in response.text for text in wanted) or time.monotonic() > deadline:
                return response.text
            await asyncio.sleep(0.5)


async def test_a_worker_process_answers_liveness_readiness_and_metrics_and_stops_cleanly_on_sigterm(
    new_database: Callable[[], Awaitable[str]], kafka_bootstrap: str, topic_prefix: str, keys_dir: Path, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": await new_database(),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "AUTH_JWKS_FILE": str(keys_dir / "jwks.json"),
        "RELAY_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
    }
    # no HTTP process beside it: the worker migrates the database and runs on its own
    worker = start_worker("finance-mediation", env=env, log_dir=tmp_path / "logs")
    try:
        await asyncio.to_thread(wait_ready, [worker], 120)  # /readyz 200: migrated, broker reached, consumers up
        async with httpx.AsyncClient(base_url=worker.url, timeout=10) as http:
            alive = await http.get("/healthz")
            ready = await http.get("/readyz")
            docs = await http.get("/docs")
        assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
        assert ready.status_code == 200
        checks = ready.json()["checks"]
        assert (checks["database"], checks["kafka"]) == (True, True)
        consumers = [name for name in checks if name.startswith("consumer:")]
        assert consumers, "the worker's readiness covers its consumers"
        assert all(checks[name] for name in consumers)
        assert docs.status_code == 404, "operations routes only"

        relay = 'courtlink_outbox_backlog{service="finance-mediation"}'
        consumer = f'courtlink_consumer_lag{{consumer="{topic_prefix}'
        metrics = await _metrics_until(worker, relay, consumer)
        assert relay in metrics
        assert consumer in metrics
    finally:
        await asyncio.to_thread(worker.stop)
    assert worker.process.wait(timeout=10) == 0, worker.log.read_text(errors="replace")[-3000:]


def _access_lines(service: ServiceProcess) -> list[str]:
    return [line for line in service.log.read_text(errors="replace").splitlines() if '"uvicorn.access"' in line]


async def test_a_service_process_writes_its_access_log_at_info_and_none_at_warning(
    service_processes: StartServices,
) -> None:
    quiet = (await service_processes("judicial-advice"))["judicial-advice"]  # LOG_LEVEL=WARNING, as the tests run
    # another service, so that each writes a log of its own
    loud = (await service_processes("enforcement-inquiry", LOG_LEVEL="INFO"))["enforcement-inquiry"]
    for service in (quiet, loud):
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as http:
            for _ in range(3):
                assert (await http.get("/healthz")).status_code == 200
    # a request's access line is written before its answer is sent, so both logs are complete by now
    assert any("GET /healthz" in line for line in _access_lines(loud)), "at INFO a request is logged"
    assert _access_lines(quiet) == [], "at WARNING no request is"
