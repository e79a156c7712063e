"""Finance-mediation's tables: the roster (organisations, mediators) and mediation cases with their activity."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from courtlink_shared.db.types import TYPE_ANNOTATION_MAP
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Organisation(Base):
    """A mediation organisation (金融纠纷调解室, a bank-association mediation centre, …)."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class CourtRegistration(Base):
    """A mediation organisation on a court's roster of specially invited organisations (特邀调解组织名册,
    《最高人民法院关于人民法院特邀调解的规定》第五条): only these see the court's unassigned cases."""

    __tablename__ = "court_registrations"

    court_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    organisation_code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(100))


class Mediator(Base):
    """A specially invited mediator (特邀调解员); `id` is the subject of the mediator's token."""

    __tablename__ = "mediators"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    specialties: Mapped[list[Any]]
    capacity: Mapped[int]
    affiliations: Mapped[list[Any]]
    available: Mapped[bool] = mapped_column(default=True)
    # Cases assigned, in mediation, suspended or awaiting signatures: kept by assignment.count_loads with every
    # change of a case's mediator or status, read by every assignment.
    active_cases: Mapped[int] = mapped_column(default=0, server_default="0")


class MediationCase(Base):
    """One routed dispute in pre-litigation mediation."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_mediator_status", "mediator_id", "status"),
        Index("ix_cases_claimant", "claimant_code"),
        Index("ix_cases_court", "court_code"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(36), unique=True)
    mediation_number: Mapped[str] = mapped_column(String(64))
    dispute: Mapped[dict[str, Any]]  # the snapshot intake routed (event-carried state)
    dispute_type: Mapped[str] = mapped_column(String(32))
    claimant_code: Mapped[str] = mapped_column(String(18))
    court_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    mediator_id: Mapped[str | None] = mapped_column(ForeignKey("mediators.id"))
    organisation_code: Mapped[str | None] = mapped_column(String(32), index=True)
    declined_by: Mapped[list[Any]]
    opened_at: Mapped[datetime]
    assign_by: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    accept_by: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    extension_days: Mapped[int] = mapped_column(default=0)
    suspended_since: Mapped[datetime | None]
    suspended_seconds: Mapped[int] = mapped_column(default=0)
    agreement: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    signatures: Mapped[list[Any]]
    agreement_effective_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    ground: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    confirmation_requested_at: Mapped[datetime | None]
    confirmation_accepted_at: Mapped[datetime | None]
    confirmation_extended: Mapped[bool] = mapped_column(default=False)
    confirmation_decided_at: Mapped[datetime | None]
    confirmation_decision: Mapped[str | None] = mapped_column(String(16))
    confirmation_case_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime]


class Activity(Base):
    """Something that happened in a case: contact attempts, sessions, extensions, suspensions, signatures."""

    __tablename__ = "case_activities"
    __table_args__ = (Index("ix_activities_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]


class CaseFigures(Base):
    """What the cases one holder sees closed, settled and took to judicial confirmation on a Beijing day, kept with
    each write that changes one (courtlink_shared.db.tallies), so that statistics sum a row per day instead of
    reading the period's cases. A holder is one of rules.SCOPES: a court, a bank, an organisation (the pool holds
    no closed case). Counted by the day of each event, as the statistics report them."""

    __tablename__ = "case_figures"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    settled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Closed after the mediator accepted, and the exact microseconds from acceptance to closure, summed.
    accepted_and_closed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    acceptance_to_closure_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    confirmation_requested: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OpenedFigures(Base):
    """How many of the cases a holder sees were opened on a Beijing day, by bank (`per` = "bank") and by the
    mediator they have now (`per` = "mediator"): a case given to another mediator, or returned to the pool, moves
    between these rows in the transaction that moves it."""

    __tablename__ = "opened_figures"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    per: Mapped[str] = mapped_column(String(16), primary_key=True)
    whom: Mapped[str] = mapped_column(String(100), primary_key=True)
    opened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
