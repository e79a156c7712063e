"""Fixtures for intake's tests: the real app on real PostgreSQL and Kafka, tokens, and dispute factories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from courtlink_shared.testing.apps import connection_settings, serving
from intake.app import create_app
from intake.settings import Settings
from intake_fixtures import COURT, Api


@pytest.fixture
def settings(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        **connection_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, keys_dir=keys_dir),
        court_names={COURT: "长春市示例区人民法院"},
    )


@pytest.fixture
async def api(settings: Settings, keys_dir: Path) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with serving(app, "intake") as client:
        yield Api(client, keys_dir, app)
