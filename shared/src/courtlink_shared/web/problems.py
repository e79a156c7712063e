"""RFC 9457 problem+json errors for every service: field by field for bad input, never a bare 500.

Validation messages come in English (`message`) and Chinese (`message_zh`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from courtlink_shared import errors as domain
from courtlink_shared.errors import field_errors as field_errors  # also imported from here
from courtlink_shared.errors import field_problem
from courtlink_shared.observability import context

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://courtlink.example/problems/"


class FieldProblem(BaseModel):
    """One fault of the input."""

    field: str
    code: str
    message: str
    message_zh: str
    message_zh_complete: bool = Field(
        default=False,
        description="message_zh says all that message does (the validator worded this very fault in Chinese); "
        "otherwise message_zh may be a heading and message names the fault",
    )


class Problem(BaseModel):
    """An error as RFC 9457 problem+json, with the correlation id and, for bad input, every fault by field."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    correlation_id: str | None = None
    errors: list[FieldProblem] | None = None


_PROBLEM_STATUSES = {
    400: "Bad request",
    401: "No valid token",
    403: "The caller's role may not do this",
    404: "Not found, or not visible to the caller's organisation",
    409: "Not allowed in the object's current state",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input, field by field",
    503: "The database is unavailable for a moment: retry (Retry-After)",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description} for status, description in _PROBLEM_STATUSES.items()
}
"""The error answers every API route documents (problem+json); see `problem_media_types` for the media type."""


def problem_media_types(openapi: dict[str, Any]) -> dict[str, Any]:
    """Document error answers as `application/problem+json`, the media type they are sent with (FastAPI files
    them under the route's own media type, e.g. text/html for a document)."""
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                problem = next((c for c in content.values() if c.get("schema") == _PROBLEM_REF), None)
                if status[0] in "45" and problem is not None:
                    response["content"] = {"application/problem+json": problem}
    return openapi


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ProblemError(Exception):
    """An error the client should see as problem+json."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        self.extra = extra


class Unauthorized(ProblemError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Not allowed for your role", "forbidden"


class NotFound(ProblemError):
    """Also what another organisation's object answers, so that its existence does not leak."""

    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class InvalidTransition(ProblemError):
    """The object is not in a state that allows this action."""

    status, title, slug = 409, "Action not allowed in the current state", "invalid-transition"


class UnprocessableInput(ProblemError):
    status, title, slug = 422, "Invalid input", "validation"

    @classmethod
    def on_fields(cls, *faults: tuple[str, str, str]) -> UnprocessableInput:
        """Input that passed the schema but breaks a rule that needs the data: `(field, message, message_zh)`
        per fault, e.g. `("body.respondents.0", "not a respondent of the case", "不是本案被执行人")`."""
        errors = [field_problem(f, m, zh) for f, m, zh in faults]
        return cls(faults[0][1] if len(faults) == 1 else f"{len(faults)} field(s) are invalid", errors=errors)


# Each domain error answers as the problem it stands for (same status, type, title; detail and fields as raised).
_DOMAIN_PROBLEMS: dict[type[domain.DomainError], type[ProblemError]] = {
    domain.NotFound: NotFound,
    domain.Conflict: Conflict,
    domain.InvalidTransition: InvalidTransition,
    domain.NotPermitted: Forbidden,
    domain.InvalidInput: UnprocessableInput,
}


def problem_response(
    status: int, title: str, slug: str, detail: str, request: Request, *, errors: Sequence[Any] = (), **extra: Any
) -> JSONResponse:
    """A problem+json response carrying the correlation id."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "correlation_id": context.correlation_id.get(),
    }
    if errors:
        body["errors"] = list(errors)
    body.update(extra)
    headers = {"WWW-Authenticate": 'Bearer realm="courtlink"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_UNAVAILABLE = (
    ConnectionError,  # refused or reset connections
    TimeoutError,  # no answer to connecting
    sa_exc.DisconnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,  # the connection was closed under the query
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether a failure is the database being unreachable or restarting (not a fault of the request)."""
    return any(
        isinstance(cause, _UNAVAILABLE) or (isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated)
        for cause in _causes(exc)
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The failure and what it wraps: SQLAlchemy's adapted error (.orig) and the driver's (__cause__). Not
    __context__: an error raised while handling another is not that other."""
    seen: dict[int, BaseException] = {}
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen[id(current)] = current
        pending += [getattr(current, "orig", None), current.__cause__]
    return list(seen.values())


def no_connection_free(exc: BaseException) -> bool:
    """Whether the request waited for a pooled database connection until the pool's timeout: the service is
    busy, the database is fine."""
    return any(isinstance(cause, sa_exc.TimeoutError) for cause in _causes(exc))


def busy_response(request: Request, detail: str) -> JSONResponse:
    """503 with Retry-After: the service is at capacity for a moment; nothing was changed."""
    response = problem_response(503, "Service busy", "busy", detail, request)
    response.headers["Retry-After"] = "1"
    return response


def log_failure(request: Request, exc: BaseException) -> None:
    """A request that waited too long for a connection is a warning (the load, not a fault); anything else
    unexpected is logged with its traceback."""
    if no_connection_free(exc):
        log.warning("no database connection came free for %s %s: answered 503", request.method, request.url.path)
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)


def internal_error(request: Request, exc: BaseException | None = None) -> JSONResponse:
    """The answer to an unexpected failure: no internals, only the correlation id to find it in the logs. When the
    database is unreachable (restarting, failing over) it is a 503 with Retry-After: nothing was changed, and the
    same request may be sent again (submissions are idempotent by the caller's reference)."""
    if exc is not None and no_connection_free(exc):
        return busy_response(request, "no database connection came free in time; retry shortly")
    if exc is not None and database_unavailable(exc):
        response = problem_response(
            503, "Service unavailable", "unavailable", "the database is unavailable; retry shortly", request
        )
        response.headers["Retry-After"] = "2"
        return response
    return problem_response(
        500, "Internal error", "internal", "the server failed; the correlation id identifies it in the logs", request
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of the app a problem+json response."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.slug, exc.detail, request, errors=exc.errors, **exc.extra)

    @app.exception_handler(domain.DomainError)
    async def _domain(request: Request, exc: domain.DomainError) -> JSONResponse:
        problem = next((_DOMAIN_PROBLEMS[c] for c in type(exc).__mro__ if c in _DOMAIN_PROBLEMS), ProblemError)
        return problem_response(
            problem.status, problem.title, problem.slug, exc.detail, request, errors=exc.errors, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc.errors())
        return problem_response(
            422, "Invalid input", "validation", f"{len(errors)} field(s) are invalid", request, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required", 403: "Forbidden"}
        titles[413] = "Request too large"
        title = titles.get(exc.status_code, "HTTP error")
        return problem_response(exc.status_code, title, title.lower().replace(" ", "-"), str(exc.detail), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_failure(request, exc)
        return internal_error(request, exc)
