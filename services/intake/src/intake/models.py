"""Intake's tables: disputes with their respondents and timeline, batches with a report row per input row, and
the figures per court, bank and day that statistics sum."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from courtlink_shared.db.types import TYPE_ANNOTATION_MAP
from sqlalchemy import Date, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Dispute(Base):
    """A bank's financial dispute, from submission to filing."""

    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("bank_code", "bank_reference", name="uq_disputes_bank_reference"),
        Index("ix_disputes_bank_contract", "bank_code", "contract_number"),
        Index("ix_disputes_bank_submitted", "bank_code", "submitted_at"),
        Index("ix_disputes_court_submitted", "court_code", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(18))
    bank_name: Mapped[str] = mapped_column(String(100))
    bank_reference: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    dispute_type: Mapped[str] = mapped_column(String(32))
    court_code: Mapped[str] = mapped_column(String(16))
    contract_number: Mapped[str] = mapped_column(String(64))
    default_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal]
    interest: Mapped[Decimal]
    penalty: Mapped[Decimal]
    fees: Mapped[Decimal]
    total: Mapped[Decimal]
    evidence: Mapped[list[Any]]
    warnings: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(32), index=True)
    mediation_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    notice_template: Mapped[str | None] = mapped_column(String(32))
    case_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    probable_duplicate_of: Mapped[str | None] = mapped_column(String(36))
    batch_id: Mapped[str | None] = mapped_column(String(36))
    submitted_at: Mapped[datetime]
    routed_at: Mapped[datetime | None]
    mediation_closed_at: Mapped[datetime | None]
    mediation_outcome: Mapped[str | None] = mapped_column(String(16))  # settled / failed / withdrawn
    filed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    respondents: Mapped[list[Respondent]] = relationship(
        back_populates="dispute", order_by="Respondent.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Respondent(Base):
    """A respondent of a dispute (person or company), searchable by name and ID number."""

    __tablename__ = "dispute_respondents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))

    dispute: Mapped[Dispute] = relationship(back_populates="respondents")


class TimelineEntry(Base):
    """One step in a dispute's life, as the bank sees it."""

    __tablename__ = "dispute_timeline"
    __table_args__ = (Index("ix_timeline_dispute_at", "dispute_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]


class Batch(Base):
    """A batch upload and its progress; its rows as uploaded are kept (BatchInput) so that processing resumes
    after a restart."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("bank_code", "fingerprint", name="uq_batches_fingerprint"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(18))
    submitted_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64))
    total_rows: Mapped[int]
    processed_rows: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    existing: Mapped[int] = mapped_column(default=0)
    probable_duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class BatchInput(Base):
    """One row of a batch as the bank uploaded it (position 0 is the first row). A row apiece, so that a worker
    reads only its chunk and reading a batch's progress never touches its rows."""

    __tablename__ = "batch_inputs"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]]


class BatchRow(Base):
    """The outcome of one input row of a batch."""

    __tablename__ = "batch_rows"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    row_number: Mapped[int] = mapped_column(primary_key=True)
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
    dispute_id: Mapped[str | None] = mapped_column(String(36))
    errors: Mapped[list[Any]]


class DisputeFigures(Base):
    """How many disputes of a bank in a court were accepted, routed, closed in mediation (settled among them) and
    filed on a Beijing day: kept with each write that changes one, so that statistics sum a row per day and bank
    instead of counting the period's disputes (courtlink_shared.db.tallies)."""

    __tablename__ = "dispute_figures"
    __table_args__ = (Index("ix_dispute_figures_bank_day", "bank_code", "day"),)

    court_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    accepted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    routed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mediations_closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    settled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    filed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
