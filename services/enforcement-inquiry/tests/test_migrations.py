"""An inquiry advised before the advice's conclusion had a column of its own is counted by conclusion after the
upgrade, on PostgreSQL and on SQLite: the migration fills the column from the stored advice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from enforcement_inquiry.app import MIGRATIONS


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _inquiry(n: int, advice: dict[str, str] | None) -> dict[str, object]:
    submitted = datetime(2026, 3, 2, 1, tzinfo=UTC)
    return {
        "id": f"inquiry-{n}",
        "court_code": "吉7101",
        "case_number": f"（2026）吉7101民初{n}号",
        "parties_from_intake": False,
        "status": "advised" if advice else "accepted",
        "urgent": False,
        "judge": "judge",
        "respondents": "[]",
        "claim_amount": "80000.00",
        "terms": json.dumps({"amount": "80000.00"}),
        "questions": "[]",
        "property_leads": "[]",
        "submitted_at": submitted,
        "due_at": submitted + timedelta(days=7),
        "advice": json.dumps(advice, ensure_ascii=False) if advice else None,
        "advised_at": submitted + timedelta(days=2) if advice else None,
    }


async def test_the_conclusion_of_advice_given_before_the_upgrade_is_filled_in(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, [MIGRATIONS], to="enforcement_inquiry_0002")
        async with engine.begin() as connection:
            inquiries = sa.table("inquiries", *(sa.column(name) for name in _inquiry(0, None)))
            rows = [
                _inquiry(1, {"conclusion": "enforceable", "reasons": "有存款"}),
                _inquiry(2, {"conclusion": "enforcement_difficult", "reasons": "无财产"}),
                _inquiry(3, None),
            ]
            await connection.execute(inquiries.insert(), rows)

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            found = await connection.execute(sa.text("SELECT id, advice_conclusion FROM inquiries ORDER BY id"))
            assert [tuple(row) for row in found] == [
                ("inquiry-1", "enforceable"),
                ("inquiry-2", "enforcement_difficult"),
                ("inquiry-3", None),
            ]
    finally:
        await engine.dispose()
