"""Statistics per month count by the Beijing month of a stored UTC time, in SQL, on both databases: a time after
16:00 UTC on a month's last day already belongs to the next Beijing month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.months import beijing_month
from courtlink_shared.db.types import UtcDateTime
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

_letters = Table("letters", MetaData(), Column("id", Integer, primary_key=True), Column("sent_at", UtcDateTime()))

MOMENTS = [
    datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC),  # 23:59:59 on 31 December in Beijing
    datetime(2025, 12, 31, 16, 0, tzinfo=UTC),  # midnight of 1 January 2026 in Beijing
    datetime(2026, 3, 31, 16, 30, 15, 250_000, tzinfo=UTC),  # 1 April in Beijing
    datetime(2026, 4, 15, 3, 0, tzinfo=UTC),
    datetime(2026, 2, 28, 16, 0, tzinfo=UTC),  # 1 March in Beijing
]


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


async def test_rows_are_grouped_by_the_beijing_month_of_their_time(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_letters.metadata.create_all)
        await conn.execute(insert(_letters), [{"id": n, "sent_at": m} for n, m in enumerate(MOMENTS)])
        month = beijing_month(_letters.c.sent_at)
        rows = (await conn.execute(select(month, func.count()).group_by(month).order_by(month))).all()
    counted = [(str(m), int(n)) for m, n in rows]
    assert counted == [("2025-12", 1), ("2026-01", 1), ("2026-03", 1), ("2026-04", 2)]
    # The same as the month Python reads from the time in Beijing's zone.
    in_python = sorted({m.astimezone(SHANGHAI).strftime("%Y-%m") for m in MOMENTS})
    assert [m for m, _ in counted] == in_python
