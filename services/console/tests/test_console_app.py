"""The console app without a browser: what an anonymous visitor gets, the security headers, a provider that is
down. (Signed-in behaviour is tested in the browser, through Keycloak.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from console.app import create_app
from console.settings import ConsoleSettings
from courtlink_shared.infra.processes import listen_ports
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient


@pytest.fixture
def app() -> FastAPI:
    [closed] = listen_ports(1)  # nothing listens there: the identity provider and the services are down
    down = f"http://127.0.0.1:{closed}"
    return create_app(
        ConsoleSettings(oidc_issuer=f"{down}/realms/courtlink", intake_url=down, finance_mediation_url=down)
    )


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://console.test") as client:
        yield client


async def test_a_page_asks_an_anonymous_visitor_to_sign_in_and_remembers_the_page(client: AsyncClient) -> None:
    response = await client.get("/disputes?status=routed")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fdisputes%3Fstatus%3Drouted"


async def test_htmx_is_told_to_send_the_whole_browser_to_sign_in(client: AsyncClient) -> None:
    response = await client.get(
        "/batches/x/progress", headers={"HX-Request": "true", "HX-Current-URL": "http://t/batches/x"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/signin?next=%2Fbatches%2Fx"


async def test_pages_carry_a_policy_without_inline_script_and_no_cookie_until_a_sign_in_starts(
    client: AsyncClient,
) -> None:
    response = await client.get("/signed-out")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "set-cookie" not in response.headers
    assert "<script>" not in response.text


async def test_an_unreachable_identity_provider_gives_a_clear_page_not_a_500(client: AsyncClient) -> None:
    response = await client.get("/signin?next=/disputes")
    assert response.status_code == 503
    assert "统一身份认证服务暂时无法访问" in response.text


async def test_a_callback_without_its_sign_in_is_refused(client: AsyncClient) -> None:
    response = await client.get("/auth/callback?state=forged&code=stolen")
    assert response.status_code == 400
    assert "登录请求已失效" in response.text
