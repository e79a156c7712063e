"""The four services as real processes (uvicorn), as `./run` starts them and as the system tests do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from courtlink_shared.infra.processes import InfraError, listen_ports, stop_process_group

SERVICES = ("intake", "finance-mediation", "enforcement-inquiry", "judicial-advice")


@dataclass
class ServiceProcess:
    """One service running as its own uvicorn process (in its own process group)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL, no shutdown at all: what a crash or the OOM killer does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the group, then SIGKILL if it lingers)."""
        if self.process.poll() is None:
            stop_process_group(self.process.pid, timeout=30)


def start_service(name: str, port: int, *, env: Mapping[str, str], log_dir: Path) -> ServiceProcess:
    """Start `name` on 127.0.0.1:port with these environment variables (added to this process's own)."""
    package = name.replace("-", "_")
    command = [sys.executable, "-m", "uvicorn", "--factory", f"{package}.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "20"]
    process, log = _spawn(command, name=name, env=env, log=log_dir / f"{name}.log")
    return ServiceProcess(name, port, process, log, dict(env))


def start_worker(name: str, *, env: Mapping[str, str], log_dir: Path) -> ServiceProcess:
    """Start `name`'s background work in a process of its own (`python -m courtlink_shared.worker`), for a service
    started with BACKGROUND_WORK=worker. Its port is its health server's (/healthz, /readyz, /metrics): the
    WORKER_HEALTH_PORT of `env`, else a free one, so that `wait_ready` waits for it as for a service."""
    port = int(env.get("WORKER_HEALTH_PORT") or listen_ports(1)[0])
    env = {**env, "WORKER_HEALTH_PORT": str(port)}
    command = [sys.executable, "-m", "courtlink_shared.worker", name]
    process, log = _spawn(command, name=name, env=env, log=log_dir / f"{name}-worker.log")
    return ServiceProcess(f"{name}-worker", port, process, log, env)


def _spawn(command: list[str], *, name: str, env: Mapping[str, str], log: Path) -> tuple[subprocess.Popen[bytes], Path]:
    full_env = {**os.environ, "SERVICE_NAME": name, **env}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            start_new_session=True,
        )
    return process, log


def restart(service: ServiceProcess) -> ServiceProcess:
    """The same service started again on the same port with the same settings."""
    service.stop()
    return start_service(service.name, service.port, env=service.env, log_dir=service.log.parent)


def wait_ready(services: list[ServiceProcess], timeout: float) -> None:
    """Until every service answers /readyz with 200; a service that exits meanwhile fails with its log's tail."""
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if service.process.poll() is not None:
                tail = service.log.read_text(errors="replace")[-3000:]
                raise InfraError(f"{service.name} exited with {service.process.returncode}:\n{tail}")
            try:
                if httpx.get(service.url + "/readyz", timeout=2).status_code == 200:
                    pending.remove(service)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise InfraError("not ready in time: " + ", ".join(f"{s.name} (log: {s.log})" for s in pending))
