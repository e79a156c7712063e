"""Advice signed before judicial-advice kept its figures per court, month of signing and recipient: after the
upgrade the figures are the advice's own, by the Beijing month of signing, on PostgreSQL and on SQLite, so that a
year's statistics stay what they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from judicial_advice.app import MIGRATIONS
from judicial_advice.models import Advice

COURT = "吉7101"
LAST_EVENING_OF_JANUARY = datetime(2026, 1, 31, 15, 30, tzinfo=UTC)  # 23:30 in Beijing, 31 January
FIRST_NIGHT_OF_FEBRUARY = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 00:30 in Beijing, 1 February
FIVE_DAYS = timedelta(days=5)


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _advice(n: int, recipient: str, issued_at: datetime | None, **later: Any) -> dict[str, Any]:
    return {
        "id": f"advice-{n}",
        "court_code": COURT,
        "place": "长铁",
        "status": "issued" if issued_at else "draft",
        "version": 1,
        "title": f"司法建议{n}",
        "recipient_name": recipient,
        "recipient_code": "11220000MB0000001X",
        "cc": [],
        "content": {},
        "reply_months": 2,
        "number": f"长铁法建〔2026〕{n}号" if issued_at else None,
        "issued_at": issued_at,
        "delivered_at": None,
        "reply_deadline": None,
        "final_reply_at": None,
        "adoption": None,
        "created_by": "research",
        "created_at": LAST_EVENING_OF_JANUARY,
        "updated_at": LAST_EVENING_OF_JANUARY,
    } | later


def _replied(delivered_at: datetime, after: timedelta, adoption: str) -> dict[str, Any]:
    deadline = delivered_at + timedelta(days=60)
    return {
        "status": "replied",
        "delivered_at": delivered_at,
        "reply_deadline": deadline,
        "final_reply_at": delivered_at + after,
        "adoption": adoption,
    }


async def test_the_figures_are_filled_from_the_advice_by_beijing_month_of_signing(database_url: str) -> None:
    engine = create_engine(database_url)
    delivered = datetime(2026, 2, 3, 2, 0, tzinfo=UTC)
    try:
        await upgrade(engine, [MIGRATIONS], to="judicial_advice_0002")
        advices = [
            _advice(1, "市金融监管局", LAST_EVENING_OF_JANUARY),
            _advice(2, "市金融监管局", FIRST_NIGHT_OF_FEBRUARY, delivered_at=delivered, status="delivered"),
            _advice(3, "市金融监管局", FIRST_NIGHT_OF_FEBRUARY, **_replied(delivered, timedelta(days=10), "adopted")),
            _advice(4, "市金融监管局", FIRST_NIGHT_OF_FEBRUARY, **_replied(delivered, timedelta(days=70), "adopted")),
            _advice(5, "区人民政府", LAST_EVENING_OF_JANUARY, **_replied(delivered, FIVE_DAYS, "not_adopted")),
            _advice(6, "区人民政府", LAST_EVENING_OF_JANUARY, **_replied(delivered, FIVE_DAYS, "partly_adopted")),
            _advice(7, "区人民政府", None),  # a draft is not counted
        ]
        async with engine.begin() as connection:
            await connection.execute(sa.insert(Advice), advices)

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            found = await connection.execute(
                sa.text(
                    "SELECT month, recipient_name, issued, delivered, replied, replied_on_time, adopted "
                    "FROM advice_figures WHERE court_code = :court ORDER BY month, recipient_name"
                ),
                {"court": COURT},
            )
            figures = [tuple(row) for row in found]
        assert figures == [
            ("2026-01", "区人民政府", 2, 2, 2, 2, 1),  # 5 not adopted, 6 partly adopted
            ("2026-01", "市金融监管局", 1, 0, 0, 0, 0),  # 1 signed at 23:30 on 31 January
            ("2026-02", "市金融监管局", 3, 3, 2, 1, 2),  # 4 replied after its deadline
        ]
    finally:
        await engine.dispose()
