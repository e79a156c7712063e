"""Fixtures of the console's browser tests: Keycloak, intake and finance-mediation as processes trusting it, the
console as a process signed in to through Keycloak's real login page, and headless Chromium."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from console_browser import chromium, chromium_missing
from console_system import System, console_env
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.infra.service_processes import SERVICES, ServiceProcess, start_service, wait_ready
from courtlink_shared.testing.infrastructure import Infrastructure
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

COURT_PLACES = json.dumps({"吉7101": "长铁"}, ensure_ascii=False)
"""judicial-advice's place abbreviation for the demo realm's court."""


@pytest.fixture(scope="session")
def console_keycloak(request: pytest.FixtureRequest) -> KeycloakInstance:
    """The platform's `keycloak` fixture; CONSOLE_TEST_KEYCLOAK=<name> reuses a local Keycloak already running under
    that name instead (`courtlink-infra keycloak start --name <name>`), which saves its start when iterating."""
    reuse = os.environ.get("CONSOLE_TEST_KEYCLOAK")
    running = keycloak_local.running(reuse) if reuse else None
    instance: KeycloakInstance = running or request.getfixturevalue("keycloak")
    return instance


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def databases(infrastructure: Infrastructure) -> AsyncIterator[list[str]]:
    """Two new PostgreSQL databases (intake's and finance-mediation's) for the module's system."""
    server = make_url(infrastructure.postgres_server_url)
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"t_console_{uuid.uuid4().hex[:12]}" for _ in SERVICES]
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


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    console_keycloak: KeycloakInstance,
    databases: list[str],
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """The four services trusting Keycloak's tokens, and the console in front of them."""
    missing = chromium_missing()
    if missing:
        pytest.fail(missing)
    keycloak_local.ensure_scripts_client(console_keycloak)
    logs = tmp_path_factory.mktemp("console-logs")
    prefix = f"t{uuid.uuid4().hex[:10]}."
    ports = listen_ports(len(SERVICES) + 1)
    started: list[ServiceProcess] = []
    try:
        for name, port, database in zip(SERVICES, ports, databases, strict=False):
            env = {
                "DATABASE_URL": database,
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KAFKA_TOPIC_PREFIX": prefix,
                "AUTH_ISSUER": console_keycloak.issuer,
                "AUTH_JWKS_URL": console_keycloak.jwks_url,
                "RELAY_POLL_SECONDS": "0.2",
                "SWEEP_INTERVAL_SECONDS": "1",
                "ASSET_QUERY_WINDOW_SECONDS": "2",  # enforcement-inquiry sends its consolidated bank queries soon
                "LOG_LEVEL": "WARNING",
                "COURT_PLACES": COURT_PLACES,  # judicial-advice refuses to start without it
            }
            started.append(start_service(name, port, env=env, log_dir=logs))
        services = {s.name: s for s in started}
        env = console_env(console_keycloak, ports[-1], {name: s.url for name, s in services.items()})
        console = start_service("console", ports[-1], env=env, log_dir=logs)
        started.append(console)
        await asyncio.to_thread(wait_ready, started, 180)
        users = {u.username: u for u in keycloak_local.demo_users()}
        yield System(console_keycloak, console.url, services, users)
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in started))


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
