"""Request bodies have a size limit per route, enforced before they are read whole: a declared Content-Length
over the limit is answered 413 at once, and a body streamed without one (chunked) is counted as it arrives and
cut off as soon as it passes the limit, so that nobody can make a service buffer gigabytes."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from courtlink_shared.web.problems import problem_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit; answered as a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {limit} bytes for this route")


class BodyLimitMiddleware:
    """ASGI middleware: `routes` maps `"METHOD /path"` to its limit in bytes; every other route has `default`."""

    def __init__(self, app: ASGIApp, *, default: int, routes: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.routes = dict(routes or {})

    def limit_of(self, scope: Scope) -> int:
        """The limit of the route this request is addressed to."""
        return self.routes.get(f"{scope['method']} {scope['path']}", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            request = Request(scope)
            detail = BodyTooLarge(limit).detail
            response = problem_response(413, "Request too large", "too-large", detail, request)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
