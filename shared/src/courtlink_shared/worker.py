"""A service's background work in a process of its own: `python -m courtlink_shared.worker intake`.

With BACKGROUND_WORK=worker the service's HTTP process runs only what its requests wait on; this process runs the
outbox relay, the consumers, the deadline sweeps and the background workers (intake's batches), so that a batch
or a burst of events never holds up an answer, and the two share the machine's cores. It reads the same settings
(environment) as the service. Several may run: the relay has one leader, consumers share the partitions, batch
chunks and deadlines are claimed with SKIP LOCKED.

A service names its parts in `<package>.app.service_parts()` and its settings in `<package>.settings.Settings`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal

from courtlink_shared.observability.logging import configure_logging
from courtlink_shared.runtime import ServiceParts, ServiceRuntime
from courtlink_shared.settings import ServiceSettings


def service_definition(service: str) -> tuple[ServiceSettings, ServiceParts]:
    """The settings (from the environment) and the parts of a service, by its name (`finance-mediation`)."""
    package = service.replace("-", "_")
    settings: ServiceSettings = importlib.import_module(f"{package}.settings").Settings()
    parts: ServiceParts = importlib.import_module(f"{package}.app").service_parts()
    return settings, parts


async def run_background(service: str) -> None:
    """Run the service's background work until SIGTERM or SIGINT, then stop it as the app's lifespan would."""
    settings, parts = service_definition(service)
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings, parts)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start(serve_requests=False, background=True)
    try:
        await stop.wait()
    finally:
        await runtime.stop()


def main() -> None:
    """Parse the service name and run its background work."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", help="intake, finance-mediation, enforcement-inquiry or judicial-advice")
    asyncio.run(run_background(parser.parse_args().service))


if __name__ == "__main__":
    main()
