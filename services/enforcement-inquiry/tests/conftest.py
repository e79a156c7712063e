"""Fixtures for enforcement-inquiry's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from courtlink_shared.clock import ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from enforcement_inquiry.app import create_app
from enforcement_inquiry.settings import Settings
from inquiry_fixtures import EXPIRY, START, WINDOW, Api


@pytest.fixture
async def api(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=database_url,
        **connection_settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, keys_dir=keys_dir),
        sweep_interval_seconds=3600,  # the tests sweep by hand after moving the clock
        asset_query_window_seconds=WINDOW.total_seconds(),
        asset_query_expiry_hours=EXPIRY.total_seconds() / 3600,
        court_names={"吉7101": "长春铁路运输法院"},
    )
    clock = ControllableClock(START)
    app = create_app(settings, clock=clock)
    async with serving(app, "enforcement") as client:
        yield Api(client, keys_dir, app, clock)
