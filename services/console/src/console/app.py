"""The console's app factory: sessions, security headers, sign-in, the pages of each role, and static files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from courtlink_shared.observability.logging import configure_logging
from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import auth_routes
from console.backend import ServiceDown, Services, TokenRejected
from console.oidc import OidcClient
from console.pages import admin, advice, bank, cases, clerk, confirmation, dashboard, disputes, enforcement, home
from console.sessions import COOKIE, SessionStore
from console.settings import ConsoleSettings
from console.web import Console, SignInRequired, make_templates, render, return_path, security_headers
from console.web import set_session_cookie as set_cookie

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    """The console app; settings from the environment unless given."""
    settings = settings or ConsoleSettings()
    configure_logging("console", settings.log_level)
    public = settings.console_public_url.rstrip("/")
    issuer_origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.oidc_issuer))
    console = Console(
        settings=settings,
        sessions=SessionStore(idle_seconds=settings.session_idle_minutes * 60),
        oidc=OidcClient(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            scope=settings.oidc_scope,
            redirect_uri=f"{public}/auth/callback",
        ),
        services=Services(
            {
                "intake": settings.intake_url.rstrip("/"),
                "finance-mediation": settings.finance_mediation_url.rstrip("/"),
                "enforcement-inquiry": settings.enforcement_inquiry_url.rstrip("/"),
                "judicial-advice": settings.judicial_advice_url.rstrip("/"),
            },
            timeout=settings.service_timeout_seconds,
        ),
        templates=make_templates(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await console.oidc.close()
        await console.services.close()

    app = FastAPI(title="Courtlink console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        cookie = request.cookies.get(COOKIE)
        session = console.sessions.get(cookie) or console.sessions.blank()
        request.state.session = session
        response = await call_next(request)
        if session.id != cookie and console.sessions.holds(session):
            set_cookie(response, session, settings.session_cookie_secure)
        security_headers(response, issuer_origin)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        target = f"/signin?next={quote(exc.return_to, safe='')}"
        if request.headers.get("HX-Request"):  # htmx swaps fragments: make the browser itself go
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(TokenRejected)
    async def token_rejected(request: Request, exc: TokenRejected) -> Response:
        request.state.session.tokens = None
        return await sign_in(request, SignInRequired(return_path(request)))

    @app.exception_handler(ServiceDown)
    async def service_down(request: Request, exc: ServiceDown) -> Response:
        log.warning("service unavailable: %s", exc.service)
        if request.headers.get("HX-Request"):
            return render(request, "partials/down.html", {"down": exc.message_zh}, status=200)
        return render(request, "down.html", {"down": exc.message_zh}, status=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 403 and exc.detail == "csrf":
            return render(
                request,
                "error.html",
                {"title": "请求已失效", "message": "页面已过期，请返回后刷新页面再提交。"},
                status=403,
            )
        if exc.status_code == 404:
            return render(
                request,
                "error.html",
                {"title": "未找到", "message": "没有找到该页面或记录，或您无权查看。"},
                status=404,
            )
        return render(
            request,
            "error.html",
            {"title": "出错了", "message": f"请求无法完成（{exc.status_code}）。"},
            status=exc.status_code,
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        """Alive and ready: the console holds no database or broker connection (a service that is down shows as a
        message on the pages that need it)."""
        return PlainTextResponse("ok")

    app.include_router(auth_routes.router)
    for module in (home, bank, disputes, cases, clerk, admin, enforcement, confirmation, advice, dashboard):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
