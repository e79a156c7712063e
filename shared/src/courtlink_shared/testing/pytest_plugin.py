"""pytest fixtures giving every test the real broker and database: a fresh PostgreSQL database and a fresh
topic namespace per test, on servers started once per session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from courtlink_shared.auth.dev_tokens import generate_key_pair
from courtlink_shared.db.engine import create_engine, create_session_factory
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.testing.infrastructure import Infrastructure, session_infrastructure, session_keycloak


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    """The session's Kafka and PostgreSQL (see courtlink_shared.testing.infrastructure)."""
    with session_infrastructure() as infra:
        yield infra


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: Infrastructure) -> str:
    """Bootstrap servers of the session's real broker."""
    return infrastructure.kafka_bootstrap_servers


@pytest.fixture(scope="session")
def keycloak() -> Iterator[KeycloakInstance]:
    """A real Keycloak with the courtlink realm, started once per session on the first test that asks for it."""
    with session_keycloak() as instance:
        yield instance


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development key pair for the session: mint tokens with courtlink_shared.auth.dev_tokens.mint_token."""
    directory = tmp_path_factory.mktemp("keys")
    generate_key_pair(directory)
    return directory


@pytest.fixture
def topic_prefix() -> str:
    """A fresh topic namespace: every topic a test touches is new, so it starts empty."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
async def new_database(infrastructure: Infrastructure) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of brand-new PostgreSQL databases (one per service in cross-service tests), dropped afterwards."""
    server = make_url(infrastructure.postgres_server_url)
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    created: list[str] = []

    async def create() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        async with admin.connect() as conn:
            for name in created:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def database_url(new_database: Callable[[], Awaitable[str]]) -> str:
    """URL of a brand-new PostgreSQL database for this test, dropped afterwards."""
    return await new_database()


@pytest.fixture(params=["postgresql", "sqlite"])
async def either_database_url(
    request: pytest.FixtureRequest, new_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> str:
    """A brand-new database on PostgreSQL (production) or, in the second run of the test, in a SQLite file (the
    embedded default of `./run`). A test module runs a service on both with
    `@pytest.fixture def database_url(either_database_url: str) -> str: return either_database_url`."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/service.db"
    return await new_database()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the test's fresh database, with the platform tables migrated."""
    from courtlink_shared.db.migrations import upgrade

    eng = create_engine(database_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's database."""
    return create_session_factory(engine)
