"""figures per court and Beijing day of the letter, advice by conclusion and whole days taken, kept with the
writes; each advised inquiry's turnaround in a column of its own, indexed; open inquiries by due time

Revision ID: enforcement_inquiry_0004
Revises: enforcement_inquiry_0003
Create Date: 2026-11-26 22:30:00

Statistics sum these rows instead of counting the period's inquiries, and read only the one or two inquiries in
the middle of the turnarounds. The rows are filled here from the inquiries already stored, by the Beijing day of
the letter (UTC+8 all year), as the service counts them from now on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "enforcement_inquiry_0004"
down_revision: str | Sequence[str] | None = "enforcement_inquiry_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INQUIRY_COUNTS = ("inquiries", "urgent", "advised", "within_service_level", "flagged_overdue")
MICROSECONDS_A_DAY = 86_400_000_000


def _turnaround_us(dialect: str) -> str:
    """advised_at - submitted_at in whole microseconds, exactly."""
    if dialect == "postgresql":
        return "CAST(ROUND(EXTRACT(EPOCH FROM (advised_at - submitted_at)) * 1000000) AS BIGINT)"
    # SQLite keeps the UTC time as text, "YYYY-MM-DD HH:MM:SS.ffffff": whole seconds, then the microseconds.
    seconds = "(CAST(strftime('%s', advised_at) AS INTEGER) - CAST(strftime('%s', submitted_at) AS INTEGER))"
    micros = "(CAST(substr(advised_at, 21, 6) AS INTEGER) - CAST(substr(submitted_at, 21, 6) AS INTEGER))"
    return f"({seconds} * 1000000 + {micros})"


def _day_of_letter(dialect: str) -> str:
    if dialect == "postgresql":
        return "CAST((submitted_at AT TIME ZONE 'UTC') + INTERVAL '8 hours' AS DATE)"
    return "date(submitted_at, '+8 hours')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("inquiries", sa.Column("turnaround_us", sa.BigInteger(), nullable=True))
    op.execute(f"UPDATE inquiries SET turnaround_us = {_turnaround_us(dialect)} WHERE advised_at IS NOT NULL")
    op.create_index(
        "ix_inquiries_court_turnaround",
        "inquiries",
        ["court_code", "turnaround_us"],
        unique=False,
        postgresql_include=["submitted_at"],
        postgresql_where=sa.text("turnaround_us IS NOT NULL"),
        sqlite_where=sa.text("turnaround_us IS NOT NULL"),
    )
    op.create_index(
        "ix_inquiries_court_status_due",
        "inquiries",
        ["court_code", "status", "due_at"],
        unique=False,
        postgresql_include=["submitted_at", "overdue_at"],
    )
    op.drop_index("ix_inquiries_court_status", table_name="inquiries")  # the one above begins with its columns
    op.create_table(
        "inquiry_figures",
        sa.Column("court_code", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in INQUIRY_COUNTS),
        sa.PrimaryKeyConstraint("court_code", "day"),
    )
    op.create_table(
        "turnaround_figures",
        sa.Column("court_code", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.String(length=32), nullable=False),
        sa.Column("days_taken", sa.Integer(), nullable=False),
        sa.Column("advised", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("court_code", "day", "conclusion", "days_taken"),
    )
    day = _day_of_letter(dialect)
    # As the service counts: every letter; urgent ones; advised, by the service-level deadline or not; flagged
    # overdue by the sweep.
    counted = ", ".join(
        f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"
        for condition in (
            "1 = 1",
            "urgent",
            "advised_at IS NOT NULL",
            "advised_at IS NOT NULL AND advised_at <= due_at",
            "overdue_at IS NOT NULL",
        )
    )
    op.execute(
        f"INSERT INTO inquiry_figures (court_code, day, {', '.join(INQUIRY_COUNTS)}) "
        f"SELECT court_code, {day}, {counted} FROM inquiries GROUP BY court_code, {day}"
    )
    days_taken = f"turnaround_us / {MICROSECONDS_A_DAY}"  # both databases divide integers to whole days
    op.execute(
        "INSERT INTO turnaround_figures (court_code, day, conclusion, days_taken, advised) "
        f"SELECT court_code, {day}, advice_conclusion, {days_taken}, COUNT(*) FROM inquiries "
        f"WHERE turnaround_us IS NOT NULL GROUP BY court_code, {day}, advice_conclusion, {days_taken}"
    )


def downgrade() -> None:
    op.drop_table("turnaround_figures")
    op.drop_table("inquiry_figures")
    op.drop_index("ix_inquiries_court_turnaround", table_name="inquiries")
    op.create_index("ix_inquiries_court_status", "inquiries", ["court_code", "status"], unique=False)
    op.drop_index("ix_inquiries_court_status_due", table_name="inquiries")
    op.drop_column("inquiries", "turnaround_us")
