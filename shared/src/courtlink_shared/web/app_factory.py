"""The one way a service builds its FastAPI app: settings, logging, runtime lifespan, errors, health, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from starlette.types import Message, Scope

from courtlink_shared.clock import Clock
from courtlink_shared.garbage_collection import settled_garbage_collector
from courtlink_shared.observability.logging import configure_logging
from courtlink_shared.runtime import ServiceParts, ServiceRuntime
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.web import calendar_api, health
from courtlink_shared.web.admission import AdmissionMiddleware
from courtlink_shared.web.body_limit import BodyLimitMiddleware
from courtlink_shared.web.middleware import install_middleware
from courtlink_shared.web.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_media_types


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    parts: ServiceParts | None = None,
    clock: Clock | None = None,
    configure_logs: bool = True,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """A service app whose lifespan starts and stops its runtime (migrations, relay, consumers, sweeps).
    `body_limits` maps `"POST /path"` to the largest body that route takes (others: MAX_BODY_BYTES)."""
    if configure_logs:
        configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings, parts or ServiceParts(), clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(serve_requests=True, background=settings.background_work == "here")
        await warm_up(app)
        with settled_garbage_collector():
            try:
                yield
            finally:
                await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)
    # Added before the observing middleware, so that it runs inside it: a 413 carries the correlation id.
    app.add_middleware(BodyLimitMiddleware, default=settings.max_body_bytes, routes=body_limits)
    app.add_middleware(
        AdmissionMiddleware,
        service=settings.service_name,
        max_in_flight=settings.max_requests_in_flight,
        max_wait_seconds=settings.max_request_wait_seconds,
    )
    install_middleware(app, settings.service_name)
    app.include_router(health.router)
    for router in [*routers, calendar_api.router]:  # every service answers for the official calendar
        app.include_router(router, responses=PROBLEM_RESPONSES)
    _document_problems(app)
    return app


async def warm_up(app: FastAPI) -> None:
    """Do before the first request what FastAPI and anyio would otherwise do during it.

    FastAPI builds the validation of every route the first time a request is matched, and anyio loads its thread
    pool the first time a dependency runs in it: ~0.5 s of CPU that held up the first requests after every start
    (and every request queued behind them). Called before the service reports ready. The request goes to the
    router alone, so it is neither counted nor logged as traffic."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/.warm-up",
        "raw_path": b"/.warm-up",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": None,
        "server": None,
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    await app.router(scope, receive, send)  # no route matches: every route is built on the way
    await anyio.to_thread.run_sync(lambda: None)


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document names problem+json as the media type of every error answer."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_media_types(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
