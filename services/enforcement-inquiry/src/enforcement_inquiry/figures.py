"""Enforcement inquiry's figures per court and Beijing day of the letter (`InquiryFigures`), and its advice by
conclusion and whole days taken (`TurnaroundFigures`), counted in the transaction that changes them: an inquiry
sent, advised, flagged overdue. Statistics sum these rows (queries.statistics)."""

from __future__ import annotations

from courtlink_shared.db.tallies import tally
from courtlink_shared.deadlines.periods import beijing_day
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry.models import Inquiry, InquiryFigures, TurnaroundFigures
from enforcement_inquiry.rules import days_taken

INQUIRY_FIGURES = InquiryFigures.metadata.tables[InquiryFigures.__tablename__]
TURNAROUND_FIGURES = TurnaroundFigures.metadata.tables[TurnaroundFigures.__tablename__]


def count_inquiry(session: AsyncSession, inquiry: Inquiry, **counts: int) -> None:
    """Add `counts` (inquiries, urgent, advised, within_service_level, flagged_overdue) to the figures of the
    inquiry's court and day of the letter, when the transaction commits."""
    key = {"court_code": inquiry.court_code, "day": beijing_day(inquiry.submitted_at)}
    tally(session, INQUIRY_FIGURES, key, counts)


def count_advice(session: AsyncSession, inquiry: Inquiry) -> None:
    """Count an inquiry just advised: by its conclusion and the whole days it took, and among the advised (by
    the service-level deadline or not) of its day."""
    if inquiry.advised_at is None or inquiry.turnaround_us is None or inquiry.advice_conclusion is None:
        raise ValueError("an inquiry is counted as advised once its advice is issued")
    count_inquiry(session, inquiry, advised=1, within_service_level=int(inquiry.advised_at <= inquiry.due_at))
    key = {
        "court_code": inquiry.court_code,
        "day": beijing_day(inquiry.submitted_at),
        "conclusion": inquiry.advice_conclusion,
        "days_taken": days_taken(inquiry.turnaround_us),
    }
    tally(session, TURNAROUND_FIGURES, key, {"advised": 1})
