"""Signing in and out through the identity provider (authorization code + PKCE, state, nonce)."""

from __future__ import annotations

import logging
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from console.oidc import SignInFailed
from console.web import check_csrf, console_of, local_path, render, session_of, user_from_tokens

log = logging.getLogger(__name__)
router = APIRouter()
PENDING_LIMIT = 5  # sign-ins in flight per browser session (several tabs); the oldest is forgotten


@router.get("/signin")
async def sign_in(request: Request, return_to: Annotated[str, Query(alias="next")] = "/") -> Response:
    """Send the browser to the provider's sign-in page; it comes back to /auth/callback."""
    console, session = console_of(request), session_of(request)
    try:
        url, state, pending = await console.oidc.authorization_url(local_path(return_to))
    except httpx.HTTPError:
        log.warning("identity provider unreachable")
        message = "统一身份认证服务暂时无法访问，请稍后重试。"
        return render(request, "error.html", {"title": "无法登录", "message": message}, status=503)
    session.pending[state] = pending
    console.sessions.keep(session)
    while len(session.pending) > PENDING_LIMIT:
        session.pending.pop(next(iter(session.pending)))
    return RedirectResponse(url, status_code=303)


@router.get("/auth/callback")
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    """The provider sends the browser back: check `state`, exchange the code, verify the ID token and its nonce."""
    console, session = console_of(request), session_of(request)
    pending = session.pending.pop(state, None) if state else None
    if pending is None or error or not code:
        message = "登录请求已失效或被拒绝，请重新登录。"
        return render(request, "error.html", {"title": "登录未完成", "message": message, "signin": True}, status=400)
    try:
        tokens, claims = await console.oidc.exchange(code, pending)
    except (SignInFailed, httpx.HTTPError) as exc:
        log.warning("sign-in refused: %s", exc)
        message = "无法完成登录，请重新登录。"
        return render(request, "error.html", {"title": "登录未完成", "message": message, "signin": True}, status=400)
    session.tokens = tokens
    session.user = user_from_tokens(tokens.access_token, claims)
    session.pending.clear()
    console.sessions.renew(session)  # a new id once signed in: a session id planted before sign-in is worthless
    return RedirectResponse(pending.return_to, status_code=303)


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    """Forget the session here and end it at the provider too (end_session with id_token_hint)."""
    console, session = console_of(request), session_of(request)
    await check_csrf(request, session)
    id_token = session.tokens.id_token if session.tokens else ""
    console.sessions.drop(session)
    response: Response = RedirectResponse("/signed-out", status_code=303)
    if id_token:
        try:
            end = await console.oidc.end_session_url(
                id_token, console.settings.console_public_url.rstrip("/") + "/signed-out"
            )
        except httpx.HTTPError:
            end = None
        if end:
            response = RedirectResponse(end, status_code=303)
    response.delete_cookie("courtlink_session", path="/")
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html")
