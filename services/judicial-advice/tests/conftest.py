"""Fixtures for judicial-advice's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from advice_fixtures import COURT, START, Api
from courtlink_shared.clock import ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from judicial_advice.app import create_app
from judicial_advice.figures import month_of_signing
from judicial_advice.models import Advice, AdviceFigures
from judicial_advice.rules import ADOPTED, replied_on_time
from judicial_advice.settings import Settings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
        await figures_are_counted(app.state.runtime.session_factory)


async def figures_are_counted(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After every test: the figures kept per court, month of signing and recipient are the ones counted from the
    advice itself (the statistics read the kept ones, so a write that forgot them would report wrong numbers)."""
    counted: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0] * 5)
    async with session_factory() as session:
        for advice in (await session.execute(select(Advice).where(Advice.issued_at.is_not(None)))).scalars():
            assert advice.issued_at is not None
            row = counted[(advice.court_code, month_of_signing(advice.issued_at), advice.recipient_name)]
            row[0] += 1
            row[1] += advice.delivered_at is not None
            if advice.final_reply_at is not None:
                row[2] += 1
                row[3] += replied_on_time(advice.final_reply_at, advice.reply_deadline)
                row[4] += advice.adoption in ADOPTED
        figures = (await session.execute(select(AdviceFigures))).scalars()
        kept = {
            (f.court_code, f.month, f.recipient_name): [f.issued, f.delivered, f.replied, f.replied_on_time, f.adopted]
            for f in figures
        }
    assert {key: row for key, row in kept.items() if any(row)} == dict(counted)
