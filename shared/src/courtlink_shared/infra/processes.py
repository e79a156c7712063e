"""Small process helpers shared by the local launchers: free ports, pid files, waiting, stopping."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path


class InfraError(RuntimeError):
    """A local infrastructure component could not be prepared or started; the message says what to do."""


def listen_ports(n: int) -> list[int]:
    """n consecutive free ports for servers to listen on, below the kernel's ephemeral range (32768 and up by
    default), so that no outgoing connection can take one of them between this check and the server binding it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(50):
        base = random.randrange(10000, max(low, 10000 + n + 1) - n)
        if not any(port_open(base + i) for i in range(n)):
            return [base + i for i in range(n)]
    raise InfraError(f"no {n} consecutive free ports below {low}")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in pid_file if that process still runs, else None."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) else None


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.2) -> None:
    """Poll predicate until it is true; raise InfraError naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise InfraError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_process_group(pid: int, *, timeout: float = 20.0) -> None:
    """SIGTERM the process group led by pid, then SIGKILL whatever is left after timeout seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.1)
