"""Fixtures for intake's tests: the real app on real PostgreSQL and Kafka, tokens, and dispute factories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from intake.app import create_app
from intake.settings import Settings
from intake_fixtures import COURT, Api


@pytest.fixture
def settings(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        auth_jwks_file=str(keys_dir / "jwks.json"),
        relay_poll_seconds=0.2,
        court_names={COURT: "长春市示例区人民法院"},
    )


@pytest.fixture
async def api(settings: Settings, keys_dir: Path) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield Api(client, keys_dir, app)
