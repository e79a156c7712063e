"""`kill -USR1 <pid>` logs the stack of every asyncio task of a running service: the way to see where a relay or a
consumer waits when it has gone quiet (a thread dump, as py-spy gives, shows only the idle event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import signal
from typing import Any

log = logging.getLogger(__name__)


def task_stacks() -> str:
    """Every task of the running loop with the frames it is suspended in."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        out.write(f"--- task {task.get_name()}\n")
        # Task.print_stack shows only the outermost frame of a suspended coroutine: follow what each one awaits.
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is None:
                out.write(f"    awaiting {awaited!r:.200}\n")
                break
            out.write(f"    {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}\n")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return out.getvalue()


def install_task_dump() -> None:
    """Log every task's stack on SIGUSR1 (a no-op where the loop cannot take signal handlers)."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, lambda: log.warning("tasks:\n%s", task_stacks()))
