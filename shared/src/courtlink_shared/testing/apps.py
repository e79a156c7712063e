"""Services in the test's own process: each app started through its lifespan (migrations, consumers, relay, sweep)
and reached over HTTP through httpx's ASGI transport, on the session's real Kafka and PostgreSQL. Used by every
service's tests (`ServiceApi`) and by the cross-service tests (tests/conftest.py's `in_process`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from courtlink_shared.auth.dev_tokens import mint_token
from courtlink_shared.auth.principal import Role
from courtlink_shared.clock import ControllableClock
from courtlink_shared.runtime import ServiceRuntime


def connection_settings(*, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> dict[str, Any]:
    """The settings every service takes in a test: the session's broker, the test's topic namespace, the test key
    set, and a relay that polls often (the database URL is each service's own)."""
    return {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "kafka_topic_prefix": topic_prefix,
        "auth_jwks_file": str(keys_dir / "jwks.json"),
        "relay_poll_seconds": 0.2,
    }


@asynccontextmanager
async def serving(app: FastAPI, name: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on `app` at `http://{name}`: the app is started before and stopped after. A failing route
    answers 500 to the client (as it would over the network) rather than raising in the test."""
    # generous bounds: on a loaded machine migrations and the broker clients take more than the default 5 s
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
            yield client


class ServiceApi:
    """An HTTP client on one running service app, with a token for any role and organisation, and the app's clock
    and deadline sweep where the test controls time."""

    def __init__(
        self, client: httpx.AsyncClient, keys_dir: Path, app: FastAPI, clock: ControllableClock | None = None
    ) -> None:
        self.client = client
        self.keys_dir = keys_dir
        self.app = app
        self._clock = clock

    @property
    def clock(self) -> ControllableClock:
        """The app's controllable clock (only for an app started with one)."""
        assert self._clock is not None, "this app was started on the real clock"
        return self._clock

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    def auth(self, role: Role, org: str, subject: str | None = None) -> dict[str, str]:
        """The Authorization header of a user with `role` in `org` (subject `role@org` unless given)."""
        token = mint_token(self.keys_dir, subject=subject or f"{role.value}@{org}", roles=[role], organisation=org)
        return {"Authorization": f"Bearer {token}"}

    async def sweep(self) -> int:
        """Run the app's deadline sweep once, as its sweep loop would; how many deadlines fired."""
        assert self.runtime.sweeper is not None
        return await self.runtime.sweeper.sweep_once()
