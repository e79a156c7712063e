"""A roster with cases from before each mediator's count of active cases was kept on their row: after the upgrade
the counts are the cases' (assigned, in mediation, suspended, awaiting signatures; not opened or closed), on
PostgreSQL and on SQLite, so that assignment goes on from the right loads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from finance_mediation.app import MIGRATIONS

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
            organisations = sa.table("organisations", *(sa.column(c) for c in ("code", "name", "kind", "created_at")))
            await connection.execute(
                organisations.insert(), [{"code": "ORG", "name": "调解室", "kind": "other", "created_at": AT}]
            )
            mediators = sa.table("mediators", *(sa.column(name) for name in _mediator("m")))
            await connection.execute(mediators.insert(), [_mediator(m) for m in ("m1", "m2", "m3")])
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
