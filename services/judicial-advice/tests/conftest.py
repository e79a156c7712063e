"""Fixtures for judicial-advice's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from advice_fixtures import COURT, START, Api
from courtlink_shared.clock import ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from judicial_advice.app import create_app
from judicial_advice.settings import Settings


@pytest.fixture
async def api(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=database_url,
        **connection_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, keys_dir=keys_dir),
        sweep_interval_seconds=3600,
        court_places={COURT: "长铁"},
    )
    clock = ControllableClock(START)
    app = create_app(settings, clock=clock)
    async with serving(app, "advice") as client:
        yield Api(client, keys_dir, app, clock)
