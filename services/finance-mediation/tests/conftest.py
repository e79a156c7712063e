"""Fixtures for finance-mediation's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from courtlink_shared.clock import ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from finance_mediation.app import create_app
from finance_mediation.settings import Settings
from mediation_fixtures import START, Api


@pytest.fixture
def settings(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        **connection_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, keys_dir=keys_dir),
        sweep_interval_seconds=3600,  # tests sweep explicitly, after moving the clock
    )


@pytest.fixture
async def api(settings: Settings, keys_dir: Path) -> AsyncIterator[Api]:
    clock = ControllableClock(START)
    app = create_app(settings, clock=clock)
    async with serving(app, "mediation") as client:
        yield Api(client, keys_dir, app, clock)
