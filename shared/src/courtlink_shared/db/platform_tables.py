"""Tables the platform library owns in every service's database: outbox, inbox, deadlines, number sequences,
relay lease. Their history is the `platform` Alembic branch in platform_migrations/."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from courtlink_shared.db.types import UtcDateTime

platform_metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_BigId = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    platform_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), nullable=True),
    # The relay's queue is `published_at IS NULL`: a partial index keeps it small however long the history grows.
    Index(
        "ix_outbox_unpublished",
        "id",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
)

inbox = Table(
    "inbox",
    platform_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("handled_at", UtcDateTime(), nullable=False),
)

deadlines = Table(
    "deadlines",
    platform_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("kind", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("fired_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Index(
        "ix_deadlines_pending",
        "due_at",
        postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
        sqlite_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
    ),
    Index("ix_deadlines_subject", "kind", "subject"),
)

number_sequences = Table(
    "number_sequences",
    platform_metadata,
    Column("scope", String(100), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_n", Integer, nullable=False),
)

relay_lease = Table(
    "relay_lease",
    platform_metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# The official calendar as the court's administrator loaded it (deadlines/calendar_store.py): one row per year.
calendar_arrangements = Table(
    "calendar_arrangements",
    platform_metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("holidays", JSON, nullable=False),
    Column("working_days", JSON, nullable=False),
    Column("notice", Text, nullable=False),
    Column("loaded_by", String(200), nullable=False),
    Column("loaded_at", UtcDateTime(), nullable=False),
)
