"""CPU time of the processes a benchmark drives, read from /proc (Linux): the services, and the Kafka broker and
PostgreSQL server found by the port they listen on. Says where a machine's cores go per dispute, and so what the
infrastructure alone leaves for the services.

A process's CPU here is its own plus, for a server that forks (PostgreSQL's backends), its children's: those that
run (their /proc entries) and those it has reaped (its cutime and cstime), so that a backend's CPU still counts
after its connection closed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
_LISTEN = "0A"  # TCP state in /proc/net/tcp


def listening_pid(port: int) -> int | None:
    """The process that listens on TCP `port` on this machine, or None (another machine's, or no /proc)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for pid in _pids():
        try:
            if any(os.readlink(fd) in inodes for fd in (_PROC / str(pid) / "fd").iterdir()):
                return pid
        except OSError:
            continue
    return None


def local_server_pid(address: str) -> int | None:
    """The pid of the server at `address` (host:port, a list of them, or a URL naming one) when it listens on this
    machine's loopback interface, else None."""
    host_port = address.split(",")[0].rsplit("@", 1)[-1].split("//", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    return listening_pid(int(port)) if host in ("127.0.0.1", "localhost") and port.isdigit() else None


def _pids() -> list[int]:
    return [int(entry.name) for entry in _PROC.iterdir() if entry.name.isdigit()]


def _stat(pid: int) -> list[str] | None:
    try:
        # after the command's closing parenthesis: state, ppid, … utime (11), stime, cutime, cstime (14)
        return (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(roots: Mapping[str, int | None]) -> dict[str, float]:
    """CPU seconds so far of each named process with its children (None: not measurable, left out)."""
    parents: dict[int, int] = {}
    times: dict[int, tuple[float, float]] = {}  # pid → (own, reaped children's)
    for pid in _pids():
        stat = _stat(pid)
        if stat is None:
            continue
        parents[pid] = int(stat[1])
        own = (int(stat[11]) + int(stat[12])) / _TICKS
        reaped = (int(stat[13]) + int(stat[14])) / _TICKS
        times[pid] = (own, reaped)
    totals = {}
    for name, root in roots.items():
        if root is None or root not in times:
            continue
        own, reaped = times[root]
        children = sum(times[pid][0] for pid, parent in parents.items() if parent == root and pid in times)
        totals[name] = own + reaped + children
    return totals


def ms_per_item(before: Mapping[str, float], after: Mapping[str, float], count: int) -> dict[str, float]:
    """Milliseconds of CPU per item of each process measured both times (`cpu_seconds` before and after)."""
    return {name: (after[name] - before[name]) * 1000 / count for name in after if name in before}


def infrastructure_ceiling(spent: Mapping[str, float]) -> float | None:
    """Items a second this machine's cores could take if Kafka and PostgreSQL had them all (the services costing
    nothing), from `ms_per_item`'s figures; None unless both were measured."""
    if "Kafka" not in spent or "PostgreSQL" not in spent:
        return None
    return cores() * 1000 / (spent["Kafka"] + spent["PostgreSQL"])


def cores() -> int:
    """The cores this process may run on (what the benchmark's processes share)."""
    return len(os.sched_getaffinity(0))
