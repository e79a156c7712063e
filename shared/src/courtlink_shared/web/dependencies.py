"""Typed FastAPI dependencies: the database session, the clock, the outbox, and the authenticated principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.auth.tokens import InvalidToken
from courtlink_shared.clock import Clock
from courtlink_shared.messaging.outbox import Outbox
from courtlink_shared.runtime import ServiceRuntime
from courtlink_shared.web.problems import Forbidden, NotFound, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="RS256 JWT (see `courtlink-token mint`)")


# Every dependency here is `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop
# per dependency per request (about a tenth of intake's CPU under load, measured) for work that never blocks. The
# one that may block, the first check of a token (it may fetch the provider's keys), goes to a thread itself.


async def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session per request; the service layer decides when to commit."""
    async with runtime.session_factory() as session:
        yield session


async def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


async def get_outbox(runtime: RuntimeDep) -> Outbox:
    return runtime.outbox


SessionDep = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]


async def current_principal(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller behind the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    token = credentials.credentials
    known = runtime.verifier.remembered(token)
    if known is not None:
        return known
    try:  # in a thread: the first sight of a token may fetch the identity provider's keys
        return await anyio.to_thread.run_sync(runtime.verifier.verify, token)
    except InvalidToken as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only callers holding one of `roles` (403 otherwise).

    The admitted roles are also recorded on the dependency (`admitted_roles`) so that tests and the
    authorisation matrix can read every route's rule.
    """
    admitted = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.has_any(admitted):
            raise Forbidden(f"this action needs one of the roles: {', '.join(sorted(admitted))}")
        return principal

    dependency.admitted_roles = admitted  # type: ignore[attr-defined]
    return dependency


def scoped_to(column: Any, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting a query to the caller's organisation."""
    clause: ColumnElement[bool] = column == principal.organisation
    return clause


def ensure_visible(owner_organisation: str | None, principal: Principal, what: str = "object") -> None:
    """404 (never 403) when the object belongs to another organisation, so its existence does not leak."""
    if owner_organisation != principal.organisation:
        raise NotFound(f"{what} not found")
