"""A throwaway PostgreSQL cluster made with the machine's initdb/pg_ctl in a temporary folder.

PostgreSQL refuses to run as root, so when we are root the cluster runs as an unprivileged user
(`postgres` by default, COURTLINK_PG_USER to change it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from courtlink_shared.infra.paths import instance_dir
from courtlink_shared.infra.processes import InfraError, listen_ports, port_open, read_pid, wait_until

SUPERUSER = "courtlink"


@dataclass(frozen=True)
class PostgresInstance:
    """A running throwaway cluster, reachable over TCP on the loopback interface without a password."""

    name: str
    port: int
    data_dir: Path

    def url(self, database: str = "postgres", driver: str = "asyncpg") -> str:
        return f"postgresql+{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def _bin(tool: str) -> str:
    found = shutil.which(tool) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)), None)
    if found is None:
        raise InfraError(
            f"`{tool}` was not found: install the PostgreSQL server (for example the `postgresql` package) "
            "or set DATABASE_URL to an existing server."
        )
    return found


def _as_cluster_owner(argv: list[str]) -> list[str]:
    """Prefix argv so that it runs as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return argv
    user = os.environ.get("COURTLINK_PG_USER", "postgres")
    runuser = shutil.which("runuser")
    if runuser is None:
        raise InfraError("running as root needs `runuser` (util-linux) to start PostgreSQL as an unprivileged user")
    return [runuser, "-u", user, "--", *argv]


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(_as_cluster_owner(argv), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InfraError(f"{what} failed:\n{result.stdout}{result.stderr}")


def running(name: str) -> PostgresInstance | None:
    """The cluster called name if it runs, else None."""
    state = instance_dir("postgres", name)
    try:
        data_dir = Path((state / "data_dir").read_text())
        port = int((state / "port").read_text())
    except (OSError, ValueError):
        return None
    if read_pid(data_dir / "postmaster.pid") is None or not port_open(port):
        return None
    return PostgresInstance(name, port, data_dir)


def start(name: str = "test", *, timeout: float = 60.0) -> PostgresInstance:
    """Create and start a throwaway cluster (or return the running one called name)."""
    existing = running(name)
    if existing is not None:
        return existing
    stop(name)  # clear the leftovers of a cluster that died
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix=f"courtlink-pg-{name}-"))
    data_dir = root / "data"
    if os.geteuid() == 0:
        user = os.environ.get("COURTLINK_PG_USER", "postgres")
        shutil.chown(root, user=user)
    root.chmod(0o755)
    _run([initdb, "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"], "initdb")
    port = listen_ports(1)[0]  # below the ephemeral range: a restart finds it still free
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"
    )
    _run(
        [
            pg_ctl,
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(_server_log(data_dir)),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        ],
        "pg_ctl start",
    )
    state = instance_dir("postgres", name)
    (state / "data_dir").write_text(str(data_dir))
    (state / "port").write_text(str(port))
    wait_until(lambda: port_open(port), timeout=timeout, what=f"PostgreSQL on port {port}")
    return PostgresInstance(name, port, data_dir)


def _server_log(data_dir: Path) -> Path:
    return data_dir.parent / "server.log"


def restart(name: str = "test", *, timeout: float = 60.0) -> PostgresInstance:
    """Restart cluster `name` in place (fast shutdown: open connections are cut), same port and data."""
    instance = running(name)
    if instance is None:
        raise InfraError(f"no running PostgreSQL cluster called {name}")
    # -l as at start: without it the server would inherit our output pipe and pg_ctl's caller would wait forever.
    log_file = _server_log(instance.data_dir)
    pg_ctl = _bin("pg_ctl")
    _run(
        [
            pg_ctl,
            "-D",
            str(instance.data_dir),
            "-l",
            str(log_file),
            "-m",
            "fast",
            "-w",
            "-t",
            str(int(timeout)),
            "restart",
        ],
        "pg_ctl restart",
    )
    wait_until(lambda: port_open(instance.port), timeout=timeout, what=f"PostgreSQL on port {instance.port}")
    return instance


def stop(name: str = "test") -> None:
    """Stop cluster `name` and delete its folder; a no-op when there is none."""
    state = instance_dir("postgres", name)
    try:
        data_dir = Path((state / "data_dir").read_text())
    except OSError:
        return
    if read_pid(data_dir / "postmaster.pid") is not None:
        _run([_bin("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"], "pg_ctl stop")
    shutil.rmtree(data_dir.parent, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
