"""Enforcement inquiry's tables: the inquiry letter with its advice, the respondent-by-bank query lines, the
consolidated queries sent to banks, cases filed by intake (their parties), and the record of who did what."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from courtlink_shared.db.types import TYPE_ANNOTATION_MAP
from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = TYPE_ANNOTATION_MAP


class FiledCase(Base):
    """A case intake filed (from `intake.dispute.filed`): an inquiry on it takes its respondents from here."""

    __tablename__ = "filed_cases"

    case_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    court_code: Mapped[str] = mapped_column(String(16))
    dispute_id: Mapped[str] = mapped_column(String(36))
    claimant: Mapped[dict[str, Any]]
    respondents: Mapped[list[Any]]
    claim_total: Mapped[Decimal]
    filed_at: Mapped[datetime]


class Inquiry(Base):
    """A 执行咨询函 and, once issued, its 执行建议."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_court_submitted", "court_code", "submitted_at"),
        # Inquiries by court and status (the lists), the open ones by due time: statistics count those past it that
        # the sweep has not flagged yet.
        Index(
            "ix_inquiries_court_status_due",
            "court_code",
            "status",
            "due_at",
            postgresql_include=["submitted_at", "overdue_at"],
        ),
        # Advised inquiries by court and time taken: the median turnaround reads the few around the middle.
        Index(
            "ix_inquiries_court_turnaround",
            "court_code",
            "turnaround_us",
            postgresql_include=["submitted_at"],
            postgresql_where=text("turnaround_us IS NOT NULL"),
            sqlite_where=text("turnaround_us IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    court_code: Mapped[str] = mapped_column(String(16))
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    parties_from_intake: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool]
    judge: Mapped[str] = mapped_column(String(100))
    respondents: Mapped[list[Any]]
    claim_amount: Mapped[Decimal]
    terms: Mapped[dict[str, Any]]  # amount, instalments, guarantor liability, interest formula, deadline
    questions: Mapped[list[Any]]
    property_leads: Mapped[list[Any]]
    submitted_at: Mapped[datetime]
    due_at: Mapped[datetime]
    officer: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None]
    assets_ready_at: Mapped[datetime | None]  # every bank asked has answered or let its query expire
    overdue_at: Mapped[datetime | None]
    advice: Mapped[dict[str, Any] | None]  # conclusion, recoverable amount, proposed changes, reasons
    # The advice's conclusion again, as a column: statistics group a year of advice by it without parsing each
    advice_conclusion: Mapped[str | None] = mapped_column(String(32))
    advised_at: Mapped[datetime | None]
    # advised_at - submitted_at in microseconds (exact), as a column: the median turnaround is read by its index
    turnaround_us: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class InquiryFigures(Base):
    """How many inquiries a court's judges sent on a Beijing day, how many of them were urgent, advised (by their
    service-level deadline or not) and flagged overdue: kept with each write that changes one, so that statistics
    sum a row per day instead of counting the period's inquiries (courtlink_shared.db.tallies). Counted by the
    day of the letter, as the statistics report them."""

    __tablename__ = "inquiry_figures"

    court_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    inquiries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    urgent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    advised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    within_service_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flagged_overdue: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TurnaroundFigures(Base):
    """How many of a day's inquiries were advised with each conclusion after each number of whole days: the
    advice by conclusion, and the histogram that tells which few inquiries hold the median turnaround."""

    __tablename__ = "turnaround_figures"

    court_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    conclusion: Mapped[str] = mapped_column(String(32), primary_key=True)
    days_taken: Mapped[int] = mapped_column(Integer, primary_key=True)
    advised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AssetQuery(Base):
    """One consolidated list of respondents sent to one bank."""

    __tablename__ = "asset_queries"
    __table_args__ = (
        Index("ix_asset_queries_bank_status", "bank_code", "status"),
        Index("ix_asset_queries_court_requested", "court_code", "requested_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    court_code: Mapped[str] = mapped_column(String(16))
    bank_code: Mapped[str] = mapped_column(String(18))
    bank_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(100))
    expired_at: Mapped[datetime | None]


class QueryLine(Base):
    """One respondent of one inquiry, asked of one bank; the bank's answer lands here."""

    __tablename__ = "query_lines"
    __table_args__ = (
        Index("ix_query_lines_waiting", "court_code", "bank_code", "status"),
        Index("ix_query_lines_inquiry", "inquiry_id"),
        Index("ix_query_lines_query", "query_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    court_code: Mapped[str] = mapped_column(String(16))
    bank_code: Mapped[str] = mapped_column(String(18))
    bank_name: Mapped[str] = mapped_column(String(100))
    party: Mapped[dict[str, Any]]
    position: Mapped[int]  # the respondent's place in the inquiry: banks see the subjects in the judge's order
    status: Mapped[str] = mapped_column(String(16))
    query_id: Mapped[str | None] = mapped_column(ForeignKey("asset_queries.id"))
    accounts: Mapped[list[Any] | None]  # masked account, type, balance, freezes
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class TimelineEntry(Base):
    """Who did what and when."""

    __tablename__ = "inquiry_timeline"
    __table_args__ = (Index("ix_inquiry_timeline", "inquiry_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]
