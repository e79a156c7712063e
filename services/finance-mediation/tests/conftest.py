"""Fixtures for finance-mediation's tests: the real app on real PostgreSQL and Kafka with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from courtlink_shared.clock import ControllableClock
from courtlink_shared.testing.apps import connection_settings, serving
from finance_mediation.app import create_app
from finance_mediation.models import MediationCase, Mediator
from finance_mediation.rules import ACTIVE
from finance_mediation.settings import Settings
from mediation_fixtures import START, Api, figures_counted_from_cases, figures_kept
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
        await loads_are_counted(app.state.runtime.session_factory)
        await figures_are_counted(app.state.runtime.session_factory)


async def loads_are_counted(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After every test: each mediator's kept count of active cases is the count of their active cases (the
    assignments read the kept one, so a transition that forgot it would over- or under-fill a mediator)."""
    active = [s.value for s in ACTIVE]
    async with session_factory() as session:
        kept = dict((await session.execute(select(Mediator.id, Mediator.active_cases))).all())
        counted = (
            await session.execute(
                select(MediationCase.mediator_id, func.count())
                .where(MediationCase.status.in_(active), MediationCase.mediator_id.is_not(None))
                .group_by(MediationCase.mediator_id)
            )
        ).all()
    assert kept == dict.fromkeys(kept, 0) | {str(m): n for m, n in counted}


async def figures_are_counted(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After every test: the figures kept per holder and day, and the openings kept by bank and mediator, are the
    ones counted from the cases themselves (statistics sum the kept ones, so a write that forgot them, or moved a
    case without moving its opening, would report wrong numbers)."""
    async with session_factory() as session:
        connection = await session.connection()
        assert await figures_kept(connection) == await figures_counted_from_cases(connection)
