"""Intake's figures per court, bank and Beijing day (`DisputeFigures`), counted in the transaction that changes
them: a dispute accepted, routed, closed in mediation (settled or not) or filed, and taken back from "accepted"
when a clerk rejects it as a duplicate. Statistics sum these rows (queries.statistics)."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.db.tallies import tally
from courtlink_shared.deadlines.periods import beijing_day
from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import DisputeFigures

FIGURES = DisputeFigures.metadata.tables[DisputeFigures.__tablename__]


def count_figures(session: AsyncSession, *, court_code: str, bank_code: str, at: datetime, **counts: int) -> None:
    """Add `counts` (accepted, routed, mediations_closed, settled, filed) to the court's and bank's figures of the
    Beijing day of `at`, when the transaction commits."""
    key = {"court_code": court_code, "bank_code": bank_code, "day": beijing_day(at)}
    tally(session, FIGURES, key, counts)
