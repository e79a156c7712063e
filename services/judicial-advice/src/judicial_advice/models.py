"""Judicial advice's tables: the advice with its versions, replies, and the record of who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from courtlink_shared.db.types import TYPE_ANNOTATION_MAP
from sqlalchemy import ForeignKey, Index, Integer, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Advice(Base):
    """A 司法建议书 from draft to archive. The content fields hold the current version."""

    __tablename__ = "advices"
    __table_args__ = (
        Index("ix_advices_court_status", "court_code", "status"),
        # The advice still awaiting its reply, by court and issue: the overdue list reads these, not the year's.
        Index(
            "ix_advices_awaiting_reply",
            "court_code",
            "issued_at",
            postgresql_where=text("final_reply_at IS NULL"),
            sqlite_where=text("final_reply_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    court_code: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_code: Mapped[str] = mapped_column(String(18), index=True)
    superior_authority: Mapped[str | None] = mapped_column(String(100))
    cc: Mapped[list[Any]]
    content: Mapped[dict[str, Any]]  # background, problems, recommendations, cases, contact, attachments
    reply_months: Mapped[int]
    extended_deadline_basis: Mapped[str | None] = mapped_column(String(500))
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    issued_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    delivery: Mapped[dict[str, Any] | None]
    reply_deadline: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    final_reply_at: Mapped[datetime | None]
    adoption: Mapped[str | None] = mapped_column(String(20))
    evaluation: Mapped[dict[str, Any] | None]
    archived_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AdviceFigures(Base):
    """How much advice a court issued to a recipient in a Beijing month of signing (`YYYY-MM`), and how much of it
    was delivered, finally replied to (on time, adopted in whole or part): kept with each write that changes one,
    so that the year's statistics sum a row per month and recipient instead of counting the year's advice
    (courtlink_shared.db.tallies). Counted by the month of signing, as the statistics report them."""

    __tablename__ = "advice_figures"

    court_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    recipient_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replied_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    adopted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AdviceVersion(Base):
    """Every version of the content, kept (drafts are revised after the committee's comments)."""

    __tablename__ = "advice_versions"

    advice_id: Mapped[str] = mapped_column(ForeignKey("advices.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[dict[str, Any]]
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime]


class TimelineEntry(Base):
    """Who did what and when."""

    __tablename__ = "advice_timeline"
    __table_args__ = (Index("ix_advice_timeline", "advice_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    advice_id: Mapped[str] = mapped_column(ForeignKey("advices.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]
