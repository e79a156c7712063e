"""Fixtures for enforcement-inquiry's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from courtlink_shared.clock import SHANGHAI, ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from enforcement_inquiry.app import create_app
from enforcement_inquiry.models import Inquiry, InquiryFigures, TurnaroundFigures
from enforcement_inquiry.rules import days_taken
from enforcement_inquiry.settings import Settings
from inquiry_fixtures import EXPIRY, START, WINDOW, Api
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
        await figures_are_counted(app.state.runtime.session_factory)


async def figures_are_counted(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After every test: the figures kept per court and day of the letter, and the advice kept by conclusion and
    whole days taken, are the ones counted from the inquiries themselves; each advised inquiry's turnaround is
    its own (statistics read the kept ones, so a write that forgot them would report wrong numbers)."""
    counted: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0] * 5)
    advice: Counter[tuple[str, date, str, int]] = Counter()
    async with session_factory() as session:
        for inquiry in (await session.execute(select(Inquiry))).scalars():
            day = inquiry.submitted_at.astimezone(SHANGHAI).date()
            row = counted[(inquiry.court_code, day)]
            row[0] += 1
            row[1] += inquiry.urgent
            row[4] += inquiry.overdue_at is not None
            if inquiry.advised_at is not None:
                assert inquiry.turnaround_us == (inquiry.advised_at - inquiry.submitted_at) // timedelta(microseconds=1)
                assert inquiry.advice_conclusion is not None
                row[2] += 1
                row[3] += inquiry.advised_at <= inquiry.due_at
                advice[(inquiry.court_code, day, inquiry.advice_conclusion, days_taken(inquiry.turnaround_us))] += 1
        figures = (await session.execute(select(InquiryFigures))).scalars()
        kept = {
            (f.court_code, f.day): [f.inquiries, f.urgent, f.advised, f.within_service_level, f.flagged_overdue]
            for f in figures
        }
        turnarounds = (await session.execute(select(TurnaroundFigures))).scalars()
        kept_advice = {(t.court_code, t.day, t.conclusion, t.days_taken): t.advised for t in turnarounds}
    assert {key: row for key, row in kept.items() if any(row)} == dict(counted)
    assert {key: n for key, n in kept_advice.items() if n} == dict(advice)
