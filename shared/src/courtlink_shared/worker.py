"""A service's background work in a process of its own: `python -m courtlink_shared.worker intake`.

With BACKGROUND_WORK=worker the service's HTTP process runs only what its requests wait on; this process runs the
outbox relay, the consumers, the deadline sweeps and the background workers (intake's batches), so that a batch
or a burst of events never holds up an answer, and the two share the machine's cores. It reads the same settings
(environment) as the service. Several may run: the relay has one leader, consumers share the partitions, batch
chunks and deadlines are claimed with SKIP LOCKED. It answers `/healthz`, `/readyz` and `/metrics` on
WORKER_HEALTH_PORT (worker_health.py), for the orchestrator's probes and for Prometheus.

A service names its parts in `<package>.app.service_parts()` and its settings in `<package>.settings.Settings`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal

import uvloop

from courtlink_shared.garbage_collection import settled_garbage_collector
from courtlink_shared.observability.logging import configure_logging
from courtlink_shared.runtime import ServiceParts, ServiceRuntime
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.worker_health import HealthServer


def service_definition(service: str) -> tuple[ServiceSettings, ServiceParts]:
    """The settings (from the environment) and the parts of a service, by its name (`finance-mediation`)."""
    package = service.replace("-", "_")
    settings: ServiceSettings = importlib.import_module(f"{package}.settings").Settings()
    parts: ServiceParts = importlib.import_module(f"{package}.app").service_parts()
    return settings, parts


async def run_background(service: str) -> None:
    """Run the service's background work and its health server until SIGTERM or SIGINT, then stop the work as the
    app's lifespan would (the relay flushes, consumers commit and leave their group) and the health server last.

    Raises OSError at once when WORKER_HEALTH_PORT is taken."""
    settings, parts = service_definition(service)
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings, parts)
    health = HealthServer(runtime, settings.worker_health_port)
    health.bind()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        # served once the runtime has started, as the app is: until then a probe gets no answer
        await runtime.start(serve_requests=False, background=True)
        health.start()
        with settled_garbage_collector():
            await stop.wait()
    finally:
        await runtime.stop()
        await health.stop()


def main() -> None:
    """Parse the service name and run its background work."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", help="intake, finance-mediation, enforcement-inquiry or judicial-advice")
    # uvloop, as uvicorn runs the HTTP process: the relay, the consumers and the batches are network-bound loops
    uvloop.run(run_background(parser.parse_args().service))


if __name__ == "__main__":
    main()
