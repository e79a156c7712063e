"""Inquiries stored before a later revision are counted as if it had always been there, on PostgreSQL and on
SQLite: an advice's conclusion is filled in from the stored advice; the figures per day of the letter and the
advice by conclusion and whole days taken are filled from the inquiries, each advised one's turnaround to the
microsecond."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from enforcement_inquiry.app import MIGRATIONS
from enforcement_inquiry.models import Inquiry
from enforcement_inquiry.rules import MICROSECONDS_A_DAY


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


LATE_EVENING = datetime(2026, 3, 2, 15, 30, 0, 250_000, tzinfo=UTC)  # 23:30:00.25 in Beijing, 2 March
AFTER_MIDNIGHT = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 in Beijing, 3 March


def _stored(n: int, submitted_at: datetime, **later: Any) -> dict[str, Any]:
    return {
        "id": f"inquiry-{n}",
        "court_code": "吉7101",
        "case_number": f"（2026）吉7101民初{n}号",
        "parties_from_intake": False,
        "status": "accepted",
        "urgent": False,
        "judge": "judge",
        "respondents": [],
        "claim_amount": Decimal("80000.00"),
        "terms": {"amount": "80000.00"},
        "questions": [],
        "property_leads": [],
        "submitted_at": submitted_at,
        "due_at": submitted_at + timedelta(days=7),
        "overdue_at": None,
        "advice": None,
        "advice_conclusion": None,
        "advised_at": None,
    } | later


def _advised(submitted_at: datetime, after: timedelta, conclusion: str) -> dict[str, Any]:
    return {
        "status": "advised",
        "advice": {"conclusion": conclusion},
        "advice_conclusion": conclusion,
        "advised_at": submitted_at + after,
    }


async def test_the_figures_and_turnarounds_are_filled_from_the_inquiries_by_beijing_day(database_url: str) -> None:
    engine = create_engine(database_url)
    to_the_microsecond = timedelta(days=1, hours=23, minutes=59, seconds=59, microseconds=999_999)
    try:
        await upgrade(engine, [MIGRATIONS], to="enforcement_inquiry_0003")
        rows = [
            _stored(1, LATE_EVENING, urgent=True, **_advised(LATE_EVENING, to_the_microsecond, "enforceable")),
            _stored(2, LATE_EVENING, **_advised(LATE_EVENING, timedelta(days=9), "enforcement_difficult")),
            _stored(3, LATE_EVENING, overdue_at=LATE_EVENING + timedelta(days=7, seconds=1)),
            _stored(4, AFTER_MIDNIGHT, **_advised(AFTER_MIDNIGHT, timedelta(hours=5), "enforceable")),
        ]
        async with engine.begin() as connection:
            await connection.execute(sa.insert(Inquiry), rows)

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            turnarounds = await connection.execute(sa.text("SELECT id, turnaround_us FROM inquiries ORDER BY id"))
            assert [tuple(row) for row in turnarounds] == [
                ("inquiry-1", 2 * MICROSECONDS_A_DAY - 1),
                ("inquiry-2", 9 * MICROSECONDS_A_DAY),
                ("inquiry-3", None),
                ("inquiry-4", 5 * 3600 * 1_000_000),
            ]
            figures = await connection.execute(
                sa.text(
                    "SELECT day, inquiries, urgent, advised, within_service_level, flagged_overdue "
                    "FROM inquiry_figures ORDER BY day"
                )
            )
            assert [(str(day), *counts) for day, *counts in figures] == [
                ("2026-03-02", 3, 1, 2, 1, 1),  # 2 advised after its deadline; 3 flagged overdue
                ("2026-03-03", 1, 0, 1, 1, 0),
            ]
            advice = await connection.execute(
                sa.text("SELECT day, conclusion, days_taken, advised FROM turnaround_figures ORDER BY day, conclusion")
            )
            assert [(str(day), *rest) for day, *rest in advice] == [
                ("2026-03-02", "enforceable", 1, 1),  # a microsecond short of two days
                ("2026-03-02", "enforcement_difficult", 9, 1),
                ("2026-03-03", "enforceable", 0, 1),
            ]
    finally:
        await engine.dispose()
