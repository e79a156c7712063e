"""The request machinery every page shares: the session cookie, sign-in required, CSRF, rendering, headers.

Every unsafe request (POST) must carry the session's CSRF token, as the form field `csrf_token` or, from htmx,
the `X-CSRF-Token` header; the check runs inside `CurrentUser`, so no route that changes anything can skip it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jwt
from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from console import formatting
from console.backend import Services
from console.oidc import OidcClient, SignInFailed
from console.sessions import COOKIE, Session, SessionStore
from console.settings import ConsoleSettings

TEMPLATES = Path(__file__).parent / "templates"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(Exception):
    """No signed-in session (or its tokens ran out): sign in, then come back to `return_to`."""

    def __init__(self, return_to: str) -> None:
        super().__init__(return_to)
        self.return_to = return_to


@dataclass(frozen=True)
class User:
    """The signed-in person, as the provider's tokens describe them."""

    subject: str
    name: str
    roles: frozenset[str]
    organisation: str
    token: str

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass
class Console:
    """What the app holds for all requests: settings, sessions, the provider's client, the services' client."""

    settings: ConsoleSettings
    sessions: SessionStore
    oidc: OidcClient
    services: Services
    templates: Jinja2Templates


def make_templates() -> Jinja2Templates:
    """Jinja with autoescaping on for every template (and for strings rendered from Python)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        beijing=formatting.beijing,
        deadline=formatting.deadline,
        yuan=formatting.yuan,
        percent=formatting.percent,
        label=formatting.label,
        field_name=formatting.field_name,
        reason=formatting.reason,
    )
    env.globals.update(
        DISPUTE_STATUS=formatting.DISPUTE_STATUS,
        CASE_STATUS=formatting.CASE_STATUS,
        ROW_OUTCOME=formatting.ROW_OUTCOME,
        TERMINATION_GROUNDS=formatting.TERMINATION_GROUNDS,
        CHANNELS=formatting.CHANNELS,
        ACTIVITIES=formatting.ACTIVITIES,
        CONTACT_RESULTS=formatting.CONTACT_RESULTS,
        ROLES=formatting.ROLES,
        DISPUTE_TYPES=formatting.DISPUTE_TYPES,
    )
    return Jinja2Templates(env=env)


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else `/` (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def return_path(request: Request) -> str:
    """The page to come back to after signing in: this page, or for a form post the page that held the form."""
    if request.method in UNSAFE or request.headers.get("HX-Request"):
        source = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "/"
        parts = urlsplit(source)
        return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    return local_path(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


def user_from_tokens(access_token: str, id_claims: dict[str, Any]) -> dict[str, Any]:
    """Who signed in, for the pages. The access token came straight from the provider's token endpoint, so its
    claims are read for navigation only; the services verify it on every call."""
    claims = jwt.decode(access_token, options={"verify_signature": False})
    roles = claims.get("roles") or claims.get("realm_access", {}).get("roles", [])
    return {
        "subject": claims.get("sub") or id_claims.get("sub", ""),
        "name": id_claims.get("name") or claims.get("name") or claims.get("preferred_username") or "",
        "roles": [str(r) for r in roles],
        "organisation": claims.get("org", ""),
    }


async def current_user(request: Request) -> User:
    """The signed-in user with a live access token (refreshed when it ran out); checks CSRF on unsafe requests.

    Raises SignInRequired when nobody is signed in or the provider no longer renews the session."""
    console, session = console_of(request), session_of(request)
    if session.tokens is None:
        raise SignInRequired(return_path(request))
    if session.tokens.expires_at <= time.monotonic():
        try:
            session.tokens = await console.oidc.refresh(session.tokens)
        except (SignInFailed, OSError) as exc:
            session.tokens = None
            raise SignInRequired(return_path(request)) from exc
    if request.method in UNSAFE:
        await check_csrf(request, session)
    return User(
        subject=session.user.get("subject", ""),
        name=session.user.get("name", ""),
        roles=frozenset(session.user.get("roles", [])),
        organisation=session.user.get("organisation", ""),
        token=session.tokens.access_token,
    )


async def check_csrf(request: Request, session: Session) -> None:
    """403 unless the request carries this session's CSRF token."""
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, session.csrf):
        raise HTTPException(status_code=403, detail="csrf")


CurrentUser = Annotated[User, Depends(current_user)]


def requires(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting users with one of `roles` (the services check again; this only picks the pages)."""

    async def check(user: CurrentUser) -> User:
        if not user.has(*roles):
            raise HTTPException(status_code=404)
        return user

    return check


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page or fragment with the session's CSRF token, the user and the navigation in its context."""
    session = session_of(request)
    full = {
        "request": request,
        "csrf": session.csrf,
        "user": session.user if session.signed_in else None,
        "path": request.url.path,
        **(context or {}),
    }
    return console_of(request).templates.TemplateResponse(request, template, full, status_code=status)


def security_headers(response: Response, provider_origin: str) -> None:
    """A Content-Security-Policy without inline script, and the usual hardening headers."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self' {provider_origin}",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")


def set_session_cookie(response: Response, session: Session, secure: bool) -> None:
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="lax", secure=secure, path="/")


PREVIEW_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def sandboxed_preview(html: bytes) -> Response:
    """A service's HTML document for the console's preview frame: sandboxed, no script, no links out."""
    return Response(html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": PREVIEW_POLICY})
