"""Fixtures for intake's tests: the real app on real PostgreSQL and Kafka, tokens, and dispute factories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.testing.apps import connection_settings, serving
from intake.app import create_app
from intake.models import Dispute, DisputeFigures
from intake.rules import DisputeStatus
from intake.settings import Settings
from intake_fixtures import COURT, Api
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
        await figures_are_counted(app.state.runtime.session_factory)


async def figures_are_counted(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After every test: the figures kept per court, bank and Beijing day are the ones counted from the disputes
    (statistics read the kept ones, so a write that forgot them would report wrong numbers)."""
    counted: dict[tuple[str, str, date], list[int]] = defaultdict(lambda: [0] * 5)

    def add(dispute: Any, moment: datetime | None, figure: int) -> None:
        if moment is not None:
            counted[(dispute.court_code, dispute.bank_code, moment.astimezone(SHANGHAI).date())][figure] += 1

    async with session_factory() as session:
        for dispute in (await session.execute(select(Dispute))).scalars():
            add(dispute, dispute.submitted_at if dispute.status != DisputeStatus.REJECTED else None, 0)
            add(dispute, dispute.routed_at, 1)
            add(dispute, dispute.mediation_closed_at, 2)
            add(dispute, dispute.mediation_closed_at if dispute.mediation_outcome == "settled" else None, 3)
            add(dispute, dispute.filed_at, 4)
        figures = (await session.execute(select(DisputeFigures))).scalars()
        kept = {
            (f.court_code, f.bank_code, f.day): [f.accepted, f.routed, f.mediations_closed, f.settled, f.filed]
            for f in figures
        }
    assert {key: row for key, row in kept.items() if any(row)} == dict(counted)
