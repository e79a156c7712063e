"""Request middleware: correlation id in and out, request metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import FastAPI, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from courtlink_shared.inputs import storable_text
from courtlink_shared.observability import context
from courtlink_shared.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from courtlink_shared.web.problems import internal_error, log_failure, problem_response

log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def _unstorable_address(request: Request) -> str | None:
    """A path or query text no database could store (a NUL character): refused up front. (Invalid UTF-8 in the
    address arrives decoded with replacement characters, which are storable.)"""
    texts = [request.url.path, *request.query_params.keys(), *request.query_params.values()]
    return next((fault for text in texts if (fault := storable_text(text)) is not None), None)


def _refused_address(request: Request, fault: str) -> Response:
    error = {"field": "url", "code": "invalid", "message": f"the address {fault}", "message_zh": "请求地址含有非法字符"}
    return problem_response(422, "Invalid input", "validation", f"the address {fault}", request, errors=[error])


def install_middleware(app: FastAPI, service: str) -> None:
    """Correlation ids (X-Correlation-ID, generated when absent or unsafe) and Prometheus request metrics."""
    app.add_middleware(ObservingMiddleware, service=service)


class ObservingMiddleware:
    """Sets the request's correlation id and trace parent for everything it causes, answers an unexpected failure
    with a problem carrying that id, and counts and times the request.

    Pure ASGI, like the admission control: Starlette's `@app.middleware("http")` runs every request in a task of
    its own with streams in between, which cost about as much as a small endpoint itself."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        incoming = request.headers.get("x-correlation-id", "")
        correlation = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Correlation-ID"] = correlation
            await send(message)

        tokens = (
            context.correlation_id.set(correlation),
            context.traceparent.set(request.headers.get("traceparent")),
            context.causation_id.set(None),
        )
        started = time.perf_counter()
        try:
            fault = _unstorable_address(request)
            if fault is not None:
                await _refused_address(request, fault)(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Answered here, inside the request's context, so that the log line and the problem carry its id.
            log_failure(request, exc)
            if started_response:
                raise  # part of the answer is out already: the server closes the connection
            await internal_error(request, exc)(scope, receive, send_with_id)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            HTTP_LATENCY.labels(self._service, request.method, path).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(self._service, request.method, path, str(status)).inc()
            context.correlation_id.reset(tokens[0])
            context.traceparent.reset(tokens[1])
            context.causation_id.reset(tokens[2])
