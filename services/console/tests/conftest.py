"""Fixtures of the console's browser tests: Keycloak, intake and finance-mediation as processes trusting it, the
console as a process signed in to through Keycloak's real login page, and headless Chromium."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from browser import chromium, chromium_missing
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import ServiceProcess, start_service, wait_ready
from courtlink_shared.testing.infrastructure import Infrastructure
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@dataclass
class System:
    """The running system the browser talks to, and the demo realm's people."""

    keycloak: KeycloakInstance
    console: str
    services: dict[str, ServiceProcess]
    users: dict[str, keycloak_local.DemoUser]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())

    def token(self, username: str) -> dict[str, str]:
        """A demo user's bearer header (password grant of the scripts client), for setting up data."""
        return {"Authorization": f"Bearer {keycloak_local.password_token(self.keycloak, username)}"}

    def call(self, service: str, method: str, path: str, username: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, self.services[service].url + path, headers=self.token(username), timeout=30, **kwargs
        )
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json() if response.content else None


@pytest.fixture(scope="session")
def console_keycloak(request: pytest.FixtureRequest) -> Iterator[KeycloakInstance]:
    """The platform's `keycloak` fixture when the plugin has it, else a Keycloak of our own for the session."""
    try:
        yield request.getfixturevalue("keycloak")
        return
    except pytest.FixtureLookupError:
        pass
    instance = keycloak_local.start("console-tests")
    try:
        yield instance
    finally:
        keycloak_local.stop("console-tests")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def databases(infrastructure: Infrastructure) -> AsyncIterator[list[str]]:
    """Two new PostgreSQL databases (intake's and finance-mediation's) for the module's system."""
    server = make_url(infrastructure.postgres_server_url)
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"t_console_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    async with admin.connect() as conn:
        for name in names:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [server.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        async with admin.connect() as conn:
            for name in names:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def console_env(keycloak: KeycloakInstance, port: int, intake: str, mediation: str) -> dict[str, str]:
    return {
        "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OIDC_ISSUER": keycloak.issuer,
        "OIDC_CLIENT_ID": keycloak_local.CONSOLE_CLIENT,
        "OIDC_CLIENT_SECRET": keycloak.console_client_secret,
        "INTAKE_URL": intake,
        "FINANCE_MEDIATION_URL": mediation,
        "LOG_LEVEL": "WARNING",
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    console_keycloak: KeycloakInstance,
    databases: list[str],
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """Intake and finance-mediation trusting Keycloak's tokens, and the console in front of them."""
    missing = chromium_missing()
    if missing:
        pytest.fail(missing)
    keycloak_local.ensure_scripts_client(console_keycloak)
    logs = tmp_path_factory.mktemp("console-logs")
    prefix = f"t{uuid.uuid4().hex[:10]}."
    ports = listen_ports(3)
    started: list[ServiceProcess] = []
    try:
        for name, port, database in zip(("intake", "finance-mediation"), ports, databases, strict=False):
            env = {
                "DATABASE_URL": database,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KAFKA_TOPIC_PREFIX": prefix,
                "AUTH_ISSUER": console_keycloak.issuer,
                "AUTH_JWKS_URL": console_keycloak.jwks_url,
                "RELAY_POLL_SECONDS": "0.2",
                "SWEEP_INTERVAL_SECONDS": "1",
                "LOG_LEVEL": "WARNING",
            }
            started.append(start_service(name, port, env=env, log_dir=logs))
        intake, mediation = started
        env = console_env(console_keycloak, ports[2], intake.url, mediation.url)
        started.append(start_service("console", ports[2], env=env, log_dir=logs))
        await asyncio.to_thread(wait_ready_or_healthy, started)
        users = {u.username: u for u in keycloak_local.demo_users()}
        yield System(console_keycloak, started[2].url, {"intake": intake, "finance-mediation": mediation}, users)
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))


def wait_ready_or_healthy(processes: list[ServiceProcess]) -> None:
    """The services answer /readyz; the console (no database, no broker) answers /healthz."""
    wait_ready([p for p in processes if p.name != "console"], 180)
    console = next(p for p in processes if p.name == "console")
    for _ in range(300):
        try:
            if httpx.get(console.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if console.process.poll() is not None:
            raise RuntimeError(console.log.read_text()[-3000:])
        time.sleep(0.2)
    raise RuntimeError("the console did not start")


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[WebDriver]:
    """A fresh headless Chromium per test: no cookies, no Keycloak session."""
    with chromium(downloads) as driver:
        yield driver
