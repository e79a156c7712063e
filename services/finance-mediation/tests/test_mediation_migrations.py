"""Cases stored before a figure was kept: after the upgrade the figures are the cases', on PostgreSQL and on SQLite.
Each mediator's count of active cases (assigned, in mediation, suspended, awaiting signatures; not opened or
closed), so that assignment goes on from the right loads; the statistics' figures per holder and Beijing day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from finance_mediation.app import MIGRATIONS
from mediation_fixtures import figures_counted_from_cases, figures_kept
from sqlalchemy.ext.asyncio import AsyncConnection

AT = datetime(2026, 3, 2, 1, tzinfo=UTC)


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _mediator(mediator_id: str) -> dict[str, object]:
    return {
        "id": mediator_id,
        "organisation_code": "ORG",
        "name": mediator_id,
        "specialties": '["金融借款合同纠纷"]',
        "capacity": 10,
        "affiliations": "[]",
        "available": True,
    }


async def _roster(connection: AsyncConnection, *mediator_ids: str) -> None:
    """The organisation ORG with these mediators."""
    organisations = sa.table("organisations", *(sa.column(c) for c in ("code", "name", "kind", "created_at")))
    await connection.execute(
        organisations.insert(), [{"code": "ORG", "name": "调解室", "kind": "other", "created_at": AT}]
    )
    mediators = sa.table("mediators", *(sa.column(name) for name in _mediator("m")))
    await connection.execute(mediators.insert(), [_mediator(m) for m in mediator_ids])


def _case(n: int, status: str, mediator_id: str | None) -> dict[str, object]:
    return {
        "id": f"case-{n}",
        "dispute_id": f"dispute-{n}",
        "mediation_number": f"（2026）吉7101诉前调{n}号",
        "dispute": "{}",
        "dispute_type": "金融借款合同纠纷",
        "claimant_code": "91110000600037341L",
        "court_code": "吉7101",
        "status": status,
        "mediator_id": mediator_id,
        "organisation_code": "ORG" if mediator_id else None,
        "declined_by": "[]",
        "signatures": "[]",
        "opened_at": AT,
        "assign_by": AT,
        "extension_days": 0,
        "suspended_seconds": 0,
        "confirmation_extended": False,
        "updated_at": AT,
    }


async def test_the_counts_of_active_cases_are_filled_from_the_cases(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, [MIGRATIONS], to="finance_mediation_0002")
        async with engine.begin() as connection:
            await _roster(connection, "m1", "m2", "m3")
            cases = sa.table("cases", *(sa.column(name) for name in _case(0, "opened", None)))
            statuses = [
                ("assigned", "m1"),
                ("in_mediation", "m1"),
                ("suspended", "m1"),
                ("awaiting_signatures", "m2"),
                ("settled", "m2"),
                ("failed", "m3"),
                ("withdrawn", "m3"),
                ("opened", None),
            ]
            await connection.execute(
                cases.insert(), [_case(n, status, mediator) for n, (status, mediator) in enumerate(statuses)]
            )

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            found = await connection.execute(sa.text("SELECT id, active_cases FROM mediators ORDER BY id"))
            assert [tuple(row) for row in found] == [("m1", 3), ("m2", 1), ("m3", 0)]
    finally:
        await engine.dispose()


# The cases opened and were accepted at AT, 09:00 on 2 March in Beijing; LATE is 23:30 there, and an hour later
# it is 00:30 on 3 March.
LATE = datetime(2026, 3, 2, 15, 30, 0, 250_001, tzinfo=UTC)
AFTER_MIDNIGHT = LATE + timedelta(hours=1)


async def test_the_statistics_figures_are_filled_from_the_cases(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, [MIGRATIONS], to="finance_mediation_0003")
        async with engine.begin() as connection:
            await _roster(connection, "m1", "m2")
            settled = {"status": "settled", "outcome": "settled", "accepted_at": AT, "closed_at": LATE}
            rows = [
                _case(0, "opened", None),  # in the pool
                _case(1, "assigned", "m1"),
                _case(2, "in_mediation", "m2") | {"accepted_at": AT, "claimant_code": "91110000100000002X"},
                _case(3, "settled", "m1") | settled,
                _case(4, "settled", "m2")
                | settled
                | {"closed_at": AFTER_MIDNIGHT, "confirmation_requested_at": AFTER_MIDNIGHT}
                | {"confirmation_decided_at": AFTER_MIDNIGHT, "confirmation_decision": "confirmed"},
                _case(5, "settled", "m2")
                | settled
                | {
                    "confirmation_requested_at": LATE,
                    "confirmation_decided_at": LATE,
                    "confirmation_decision": "rejected",
                },
                _case(6, "failed", "m1") | {"outcome": "failed", "closed_at": AFTER_MIDNIGHT},  # never accepted
                _case(7, "withdrawn", None) | {"outcome": "withdrawn", "closed_at": LATE},  # from the pool
            ]
            columns = sorted({name for row in rows for name in row})
            cases = sa.table("cases", *(sa.column(name) for name in columns))
            await connection.execute(cases.insert(), [dict.fromkeys(columns) | row for row in rows])

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            kept_figures, kept_openings = await figures_kept(connection)
            assert (kept_figures, kept_openings) == await figures_counted_from_cases(connection)
        court, first, second = "吉7101", date(2026, 3, 2), date(2026, 3, 3)
        # closed, settled, accepted and closed, their microseconds, confirmation requested, confirmed
        to_late = (LATE - AT) // timedelta(microseconds=1)
        assert kept_figures[("court", court, first)] == [3, 2, 2, 2 * to_late, 1, 0]
        assert kept_figures[("court", court, second)] == [2, 1, 1, to_late + 3_600_000_000, 1, 1]
        assert kept_figures[("organisation", "ORG", first)] == [2, 2, 2, 2 * to_late, 1, 0]
        assert not any(scope == "pool" for scope, _, _ in kept_figures)
        opened = first
        assert kept_openings[("pool", court, opened, "bank", "91110000600037341L")] == 1
        assert kept_openings[("court", court, opened, "mediator", "m2")] == 3
        assert kept_openings[("organisation", "ORG", opened, "bank", "91110000600037341L")] == 5
        assert kept_openings[("bank", "91110000100000002X", opened, "mediator", "m2")] == 1
    finally:
        await engine.dispose()
