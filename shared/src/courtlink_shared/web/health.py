"""/healthz (the process is alive), /readyz (database and Kafka reachable, consumers progressing), /metrics.

One router for both kinds of process: the service app includes it, and so does the worker process's health
server (worker_health.py), so that readiness is decided in one place. Each reads the runtime of its process from
`app.state.runtime`: in the HTTP process of a service with BACKGROUND_WORK=worker it has no consumers to check; in
the worker it has them all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from courtlink_shared.runtime import ServiceRuntime

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database and Kafka reachable, consumers progressing; warnings (e.g. next year's calendar)",
    responses={503: {"description": "Not ready: the checks say what is missing"}},
)
async def readyz(request: Request) -> JSONResponse:
    return await readiness(request.app.state.runtime)


async def readiness(runtime: ServiceRuntime) -> JSONResponse:
    """The /readyz answer of a process's runtime: 200 when every check passes, else 503; the checks and warnings
    in the body either way."""
    checks = await runtime.readiness()
    await runtime.relay.backlog()
    ready = all(checks.values())
    warnings = runtime.readiness_warnings()  # reported, never failing readiness: deadlines are still computed
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks, "warnings": warnings},
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "The metrics in Prometheus' text format"}},
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
