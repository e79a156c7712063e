"""Disputes stored before intake kept its figures per court, bank and day: after the upgrade the figures are the
disputes' own, by the Beijing day of each time, on PostgreSQL and on SQLite, so that statistics over a period
that began before the upgrade stay what they were."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import upgrade
from intake.app import MIGRATIONS
from intake.models import Dispute

BANK_A, BANK_B = "91110000600037341L", "91220000123456789X"
COURT = "吉7101"
LATE_EVENING = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 in Beijing, 2 March
AFTER_MIDNIGHT = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # 00:30 in Beijing, 3 March


@pytest.fixture
def database_url(either_database_url: str) -> str:
    return either_database_url


def _dispute(n: int, bank: str, status: str, submitted_at: datetime, **times: Any) -> dict[str, Any]:
    return {
        "id": f"dispute-{n}",
        "bank_code": bank,
        "bank_name": "银行",
        "bank_reference": f"REF-{n}",
        "fingerprint": "f",
        "dispute_type": "金融借款合同纠纷",
        "court_code": COURT,
        "contract_number": f"C-{n}",
        "default_date": date(2025, 1, 1),
        "principal": Decimal("1.00"),
        "interest": Decimal("0"),
        "penalty": Decimal("0"),
        "fees": Decimal("0"),
        "total": Decimal("1.00"),
        "evidence": [],
        "warnings": [],
        "status": status,
        "submitted_at": submitted_at,
        "updated_at": submitted_at,
        "routed_at": None,
        "mediation_closed_at": None,
        "mediation_outcome": None,
        "filed_at": None,
    } | times


async def test_the_figures_are_filled_from_the_disputes_by_beijing_day(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, [MIGRATIONS], to="intake_0002")
        disputes = [
            _dispute(1, BANK_A, "routed", LATE_EVENING, routed_at=LATE_EVENING),
            _dispute(2, BANK_A, "routed", AFTER_MIDNIGHT, routed_at=AFTER_MIDNIGHT),
            _dispute(3, BANK_A, "rejected", LATE_EVENING),
            _dispute(4, BANK_A, "pending_review", LATE_EVENING),
            _dispute(
                5,
                BANK_A,
                "settled",
                LATE_EVENING,
                routed_at=LATE_EVENING,
                mediation_closed_at=AFTER_MIDNIGHT,
                mediation_outcome="settled",
            ),
            _dispute(
                6,
                BANK_B,
                "filed",
                LATE_EVENING,
                routed_at=AFTER_MIDNIGHT,
                mediation_closed_at=AFTER_MIDNIGHT,
                mediation_outcome="failed",
                filed_at=AFTER_MIDNIGHT,
            ),
        ]
        async with engine.begin() as connection:
            await connection.execute(sa.insert(Dispute), disputes)

        await upgrade(engine, [MIGRATIONS])

        async with engine.connect() as connection:
            found = await connection.execute(
                sa.text(
                    "SELECT bank_code, day, accepted, routed, mediations_closed, settled, filed "
                    "FROM dispute_figures WHERE court_code = :court ORDER BY bank_code, day"
                ),
                {"court": COURT},
            )
            figures = [(bank, str(day), *counts) for bank, day, *counts in found]
        assert figures == [
            (BANK_A, "2026-03-02", 3, 2, 0, 0, 0),  # 1, 4 and 5 accepted (3 was rejected); 1 and 5 routed
            (BANK_A, "2026-03-03", 1, 1, 1, 1, 0),  # 2 accepted and routed after midnight; 5 settled
            (BANK_B, "2026-03-02", 1, 0, 0, 0, 0),
            (BANK_B, "2026-03-03", 0, 1, 1, 0, 1),
        ]
    finally:
        await engine.dispose()
