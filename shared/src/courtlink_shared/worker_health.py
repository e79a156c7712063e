"""The worker process's health server: `/healthz`, `/readyz` and `/metrics` on WORKER_HEALTH_PORT.

The worker serves no requests, but an orchestrator must still probe it and Prometheus must still scrape the relay's,
the consumers' and the sweeps' metrics, which live in this process. The routes are the service app's own
(`web/health.py`): readiness means the same in both processes (database and Kafka reachable, consumers progressing).
It runs in the worker's event loop; the worker keeps SIGTERM and SIGINT for itself and stops this server last.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from courtlink_shared.runtime import ServiceRuntime
from courtlink_shared.web import health

HOST = "0.0.0.0"  # noqa: S104 - probed by the kubelet and scraped by Prometheus from outside the pod


def health_app(runtime: ServiceRuntime) -> FastAPI:
    """The three operations routes over the worker's runtime, and nothing else (no docs, no OpenAPI)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.include_router(health.router)
    return app


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the process's signals alone: the worker stops it after the runtime."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HealthServer:
    """The health app served on one port in the running event loop, from `start` until `stop`."""

    def __init__(self, runtime: ServiceRuntime, port: int) -> None:
        config = uvicorn.Config(
            health_app(runtime),
            log_config=None,  # the process's JSON logging stays as configured
            access_log=False,  # a probe every few seconds is not worth a line
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._port = port
        self._socket: socket.socket | None = None
        self._task: asyncio.Task[None] | None = None

    def bind(self) -> None:
        """Take the port now, so that a port already in use fails the worker's start at once (OSError)."""
        self._socket = socket.create_server((HOST, self._port))

    def start(self) -> None:
        """Serve on the bound port (binding it first if `bind` was not called), in a task of the running loop."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="health-server")

    async def stop(self) -> None:
        """Finish the requests in flight and stop listening."""
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
