"""/healthz (the process is alive), /readyz (database and Kafka reachable, consumers progressing), /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
    runtime = request.app.state.runtime
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
