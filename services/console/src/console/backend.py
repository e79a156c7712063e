"""Calls to the services under the signed-in user's own token: the services' scoping is the console's.

A service that does not answer raises ServiceDown (the page shows a message where that service's part would
be); a refused request raises ServiceProblem carrying the problem+json, so forms show the field errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

SERVICE_NAMES_ZH = {
    "intake": "立案服务（诉前登记）",
    "finance-mediation": "金融纠纷调解服务",
    "enforcement-inquiry": "执行咨询服务",
    "judicial-advice": "司法建议服务",
}


_BOUNDS = (
    (re.compile(r"^Input should be greater than or equal to (.+)$"), "应不小于 {}"),
    (re.compile(r"^Input should be greater than (.+)$"), "应大于 {}"),
    (re.compile(r"^Input should be less than or equal to (.+)$"), "应不大于 {}"),
    (re.compile(r"^Input should be less than (.+)$"), "应小于 {}"),
    (re.compile(r"^String should have at least (\d+) characters?$"), "至少 {} 个字符"),
    (re.compile(r"^String should have at most (\d+) characters?$"), "至多 {} 个字符"),
    (re.compile(r"^List should have at least (\d+) items?.*$"), "至少 {} 项"),
    (re.compile(r"^Field required$"), ""),
)


def precise_zh(message: str) -> str:
    """The service's English detail of a field error, in Chinese where it is one of pydantic's bounds (the
    service's own Chinese message is often the generic one); other details are kept as they are."""
    for pattern, template in _BOUNDS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return message


class ServiceDown(Exception):
    """The service did not answer, or answered that it is unavailable (5xx)."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service

    @property
    def message_zh(self) -> str:
        return f"{SERVICE_NAMES_ZH.get(self.service, self.service)}暂时无法访问，本部分内容无法显示。请稍后刷新重试。"


class TokenRejected(Exception):
    """The service refused the token (401): the session must sign in again."""


@dataclass
class ServiceProblem(Exception):
    """A 4xx answer: its status and problem+json (title, detail, errors by field)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"HTTP {self.status}")

    def field_messages(self) -> dict[str, str]:
        """Chinese message per field, the `body.` prefix dropped (form fields use the body's dotted names)."""
        messages: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            name = str(error.get("field", ""))
            name = name.removeprefix("body.") if name != "body" else ""
            text = str(error.get("message_zh") or error.get("message") or "取值无效")
            detail = precise_zh(str(error.get("message") or ""))
            if detail and detail != text and not error.get("message_zh_complete"):
                text = f"{text}（{detail}）"
            messages[name] = f"{messages[name]}；{text}" if name in messages else text
        return messages


class Services:
    """One HTTP client for every service, with each user's token per call."""

    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self.urls = urls
        self.http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """The service's answer, 2xx only; raises ServiceDown, TokenRejected or ServiceProblem otherwise."""
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
        if content_type:
            headers["Content-Type"] = content_type
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.http.request(
                method, self.urls[service] + path, params=clean or None, json=json, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ServiceDown(service) from exc
        if response.status_code >= 500:
            raise ServiceDown(service)
        if response.status_code == 401:
            raise TokenRejected(service)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:300]}
            raise ServiceProblem(response.status_code, problem if isinstance(problem, dict) else {})
        return response
