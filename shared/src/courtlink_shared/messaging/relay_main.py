"""Run one outbox relay as its own process: `python -m courtlink_shared.messaging.relay_main --help`.

Services run their relay inside the app; this entry point serves operations (a standby relay on another host)
and the takeover test, which kills it with SIGKILL.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from courtlink_shared.db.engine import create_engine
from courtlink_shared.messaging.relay import OutboxRelay


async def _main(args: argparse.Namespace) -> None:
    engine = create_engine(args.database_url)
    relay = OutboxRelay(
        engine,
        service=args.service,
        bootstrap_servers=args.bootstrap_servers,
        topic_prefix=args.topic_prefix,
        poll_seconds=args.poll_seconds,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await relay.run(stop)
    finally:
        await engine.dispose()


def main() -> None:
    """Parse arguments and relay until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument("--poll-seconds", type=float, default=0.5)
    logging.basicConfig(level=logging.INFO)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
