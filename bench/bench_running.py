"""How a benchmark runs: a benchmark stopped by a signal stops what it started."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any


def run_benchmark(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `main()` with SIGTERM (what `timeout` and `kill` send) taken as Ctrl-C: the benchmark's `finally`
    blocks then stop the services, Kafka and PostgreSQL it started, instead of leaving them running (and
    using the cores of the next measurement)."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    asyncio.run(main())
