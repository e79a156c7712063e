"""Judicial advice's figures per court, Beijing month of signing and recipient (`AdviceFigures`), counted in the
transaction that changes them: an advice issued, delivered, and finally replied to (on time or not, adopted or
not). The year's statistics sum these rows (queries.year_statistics)."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.tallies import tally
from sqlalchemy.ext.asyncio import AsyncSession

from judicial_advice.models import Advice, AdviceFigures

FIGURES = AdviceFigures.metadata.tables[AdviceFigures.__tablename__]


def month_of_signing(issued_at: datetime) -> str:
    """The Beijing month an advice was signed in, `YYYY-MM`: the month the statistics count it in."""
    return issued_at.astimezone(SHANGHAI).strftime("%Y-%m")


def count_figures(session: AsyncSession, advice: Advice, **counts: int) -> None:
    """Add `counts` (issued, delivered, replied, replied_on_time, adopted) to the figures of the advice's court,
    month of signing and recipient, when the transaction commits. The advice is signed already."""
    if advice.issued_at is None:
        raise ValueError("an advice is counted from its signing on")
    month = month_of_signing(advice.issued_at)
    key = {"court_code": advice.court_code, "month": month, "recipient_name": advice.recipient_name}
    tally(session, FIGURES, key, counts)
