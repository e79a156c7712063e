"""Request middleware: correlation id in and out, request metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

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

    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get("x-correlation-id", "")
        correlation = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        tokens = (
            context.correlation_id.set(correlation),
            context.traceparent.set(request.headers.get("traceparent")),
            context.causation_id.set(None),
        )
        started = time.perf_counter()
        try:
            try:
                fault = _unstorable_address(request)
                response = await call_next(request) if fault is None else _refused_address(request, fault)
            except Exception as exc:
                # Answered here, inside the request's context, so that the log line and the problem carry its id.
                log_failure(request, exc)
                response = internal_error(request, exc)
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_LATENCY.labels(service, request.method, path).observe(time.perf_counter() - started)
            context.correlation_id.reset(tokens[0])
            context.traceparent.reset(tokens[1])
            context.causation_id.reset(tokens[2])
        HTTP_REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        response.headers["X-Correlation-ID"] = correlation
        return response
