"""Admission control: past its capacity a service says so at once instead of letting requests queue.

At most `max_in_flight` requests of a process are being served at a time; one that finds no free slot within
`max_wait_seconds` is answered 503 with Retry-After, in milliseconds, and changes nothing. Without this an
overloaded service keeps accepting connections and every request waits tens of seconds (and the clients' retries
pile on); with it the requests it does serve stay fast and the others know at once to come back. Health and
metrics endpoints are never refused: an orchestrator must see a busy service as alive.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from courtlink_shared.observability.metrics import REQUESTS_REFUSED
from courtlink_shared.web.problems import busy_response

NEVER_REFUSED = frozenset({"/healthz", "/readyz", "/metrics"})


class AdmissionMiddleware:
    """Bounds the requests served at once (pure ASGI: no per-request task of its own)."""

    def __init__(self, app: ASGIApp, *, service: str, max_in_flight: int, max_wait_seconds: float) -> None:
        self.app = app
        self._service = service
        self._slots = asyncio.Semaphore(max_in_flight)
        self._max_wait = max_wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_REFUSED:
            await self.app(scope, receive, send)
            return
        try:
            if self._slots.locked():  # no free slot, or others wait for one: queue behind them, for a while
                await asyncio.wait_for(self._slots.acquire(), self._max_wait)
            else:  # a free slot is taken at once, without the task and timer of a bounded wait
                await self._slots.acquire()
        except TimeoutError:
            REQUESTS_REFUSED.labels(service=self._service, reason="busy").inc()
            await busy_response(Request(scope), "the service is at capacity; retry shortly")(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
