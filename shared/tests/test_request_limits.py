"""Limits every service enforces: the size of a request body (per route), the lifetime of a token, and how many
requests it serves at once (past that, 503 busy at once instead of a queue)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.web.app_factory import create_service_app
from courtlink_shared.web.dependencies import SessionDep, require_roles
from fastapi import APIRouter, Depends, Request
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

BANK_A = "91110000600037341L"
BankOperator = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR))]
router = APIRouter()
ClientFor = Callable[..., Awaitable[httpx.AsyncClient]]


@router.post("/small")
async def small(request: Request, _: BankOperator) -> dict[str, int]:
    return {"received": len(await request.body())}


@router.post("/large")
async def large(request: Request, _: BankOperator) -> dict[str, int]:
    return {"received": len(await request.body())}


released = asyncio.Event()


@router.post("/slow")
async def slow(_: BankOperator) -> dict[str, bool]:
    await released.wait()
    return {"done": True}


@router.get("/reads-the-database")
async def reads_the_database(session: SessionDep, _: BankOperator) -> dict[str, int]:
    return {"one": int((await session.execute(text("SELECT 1"))).scalar_one())}


@pytest.fixture
async def client_for(
    database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> AsyncIterator[ClientFor]:
    managers: list[LifespanManager] = []
    clients: list[httpx.AsyncClient] = []

    async def make(max_lifetime: float = 12 * 3600, **limits: Any) -> httpx.AsyncClient:
        settings = ServiceSettings(
            service_name="limits",
            database_url=database_url,
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            auth_jwks_file=str(keys_dir / "jwks.json"),
            max_body_bytes=1000,
            auth_max_token_lifetime_seconds=max_lifetime,
            **limits,
        )
        app = create_service_app(
            settings,
            title="t",
            description="t",
            routers=[router],
            configure_logs=False,
            body_limits={"POST /large": 5000},
        )
        manager = LifespanManager(app, startup_timeout=60, shutdown_timeout=60)
        await manager.__aenter__()
        managers.append(manager)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://limits")
        client.runtime = app.state.runtime  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
    for manager in managers:
        await manager.__aexit__(None, None, None)


def bearer(keys_dir: Path, ttl_seconds: int = 3600) -> dict[str, str]:
    token = mint_token(
        keys_dir, subject="alice", roles=[Role.BANK_OPERATOR], organisation=BANK_A, ttl_seconds=ttl_seconds
    )
    return {"Authorization": f"Bearer {token}"}


async def _chunks(count: int, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    for _ in range(count):
        sent.append(size)
        yield b"x" * size


class TestBodyLimits:
    async def test_a_declared_length_over_the_route_limit_is_413_problem(
        self, client_for: ClientFor, keys_dir: Path
    ) -> None:
        client = await client_for()
        assert (await client.post("/small", content=b"x" * 1000, headers=bearer(keys_dir))).json() == {"received": 1000}
        refused = await client.post("/small", content=b"x" * 1001, headers=bearer(keys_dir))
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["title"] == "Request too large"
        assert "x-correlation-id" in refused.headers
        assert (await client.post("/large", content=b"x" * 4000, headers=bearer(keys_dir))).status_code == 200
        assert (await client.post("/large", content=b"x" * 5001, headers=bearer(keys_dir))).status_code == 413

    async def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit(
        self, client_for: ClientFor, keys_dir: Path
    ) -> None:
        client = await client_for()
        sent: list[int] = []
        refused = await client.post("/small", content=_chunks(100, 400, sent), headers=bearer(keys_dir))
        assert refused.status_code == 413
        assert refused.json()["status"] == 413
        assert sum(sent) <= 1200, "reading stopped at the chunk that passed the limit"


class TestTokenLifetime:
    async def test_a_validly_signed_token_that_lives_too_long_is_refused(
        self, client_for: ClientFor, keys_dir: Path
    ) -> None:
        client = await client_for()
        assert (await client.post("/small", headers=bearer(keys_dir, ttl_seconds=12 * 3600))).status_code == 200
        refused = await client.post("/small", headers=bearer(keys_dir, ttl_seconds=12 * 3600 + 1))
        assert refused.status_code == 401
        assert "lifetime" in refused.json()["detail"]

    async def test_the_maximum_lifetime_is_configured(self, client_for: ClientFor, keys_dir: Path) -> None:
        client = await client_for(max_lifetime=300)
        assert (await client.post("/small", headers=bearer(keys_dir, ttl_seconds=300))).status_code == 200
        assert (await client.post("/small", headers=bearer(keys_dir, ttl_seconds=301))).status_code == 401


class TestOverload:
    async def test_past_its_capacity_a_service_answers_503_busy_at_once(
        self, client_for: ClientFor, keys_dir: Path
    ) -> None:
        client = await client_for(max_requests_in_flight=2, max_request_wait_seconds=0.2)
        released.clear()
        held = [asyncio.create_task(client.post("/slow", headers=bearer(keys_dir))) for _ in range(2)]
        await asyncio.sleep(0.1)  # both slots taken
        started = asyncio.get_running_loop().time()
        refused = await client.post("/small", headers=bearer(keys_dir))
        waited = asyncio.get_running_loop().time() - started
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["title"] == "Service busy"
        assert "x-correlation-id" in refused.headers
        assert waited < 5, "refused after the configured wait, not after a queue"
        assert (await client.get("/healthz")).status_code == 200, "health is never refused"
        released.set()
        assert [(await task).status_code for task in held] == [200, 200]
        assert (await client.post("/small", headers=bearer(keys_dir))).status_code == 200, "slots are given back"

    async def test_a_request_that_finds_no_free_database_connection_is_busy_not_an_outage(
        self, client_for: ClientFor, keys_dir: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        client = await client_for(database_pool_timeout_seconds=0.2)
        engine = client.runtime.engine  # type: ignore[attr-defined]
        async with contextlib.AsyncExitStack() as held:
            with contextlib.suppress(sa_exc.TimeoutError):
                for _ in range(100):  # every pooled connection taken
                    await held.enter_async_context(engine.connect())
            with caplog.at_level(logging.WARNING):
                refused = await client.get("/reads-the-database", headers=bearer(keys_dir))
        assert refused.status_code == 503
        assert refused.json()["title"] == "Service busy"
        assert refused.headers["retry-after"] == "1"
        assert "no database connection came free" in caplog.text
        assert not [r for r in caplog.records if r.exc_info], "a busy pool is not logged as an unhandled error"
        assert (await client.get("/reads-the-database", headers=bearer(keys_dir))).json() == {"one": 1}
