"""figures per holder (court, bank, organisation, a court's pool) and Beijing day, kept with the writes: cases
closed, settled, accepted and closed with the exact time it took, taken to judicial confirmation, confirmed; and
cases opened, by bank and by mediator

Revision ID: finance_mediation_0004
Revises: finance_mediation_0003
Create Date: 2026-11-27 00:30:00

Statistics sum these rows instead of reading the period's cases. The rows are filled here from the cases already
stored, by the Beijing day (UTC+8 all year) of each event, for every holder that sees the case now, as the service
counts them from now on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "finance_mediation_0004"
down_revision: str | Sequence[str] | None = "finance_mediation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# rules.holders as it is at this revision (a migration never imports the code it migrates): scope, holder, when.
HOLDERS = (
    ("court", "court_code", "1 = 1"),
    ("bank", "claimant_code", "1 = 1"),
    ("organisation", "organisation_code", "organisation_code IS NOT NULL"),
    ("pool", "court_code", "status = 'opened'"),
)
CASE_COUNTS = (
    "closed",
    "settled",
    "accepted_and_closed",
    "acceptance_to_closure_us",
    "confirmation_requested",
    "confirmed",
)


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') + INTERVAL '8 hours' AS DATE)"
    return f"date({column}, '+8 hours')"


def _microseconds(start: str, end: str, dialect: str) -> str:
    """end - start in whole microseconds, exactly."""
    if dialect == "postgresql":
        return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000) AS BIGINT)"
    # SQLite keeps the UTC time as text, "YYYY-MM-DD HH:MM:SS.ffffff": whole seconds, then the microseconds.
    seconds = f"(CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"
    micros = f"(CAST(substr({end}, 21, 6) AS INTEGER) - CAST(substr({start}, 21, 6) AS INTEGER))"
    return f"({seconds} * 1000000 + {micros})"


def _events(dialect: str) -> str:
    """Each closure, application for confirmation and confirmation, with the day it happened and what it counts."""
    visible = "court_code, claimant_code, organisation_code, status"
    accepted = "accepted_at IS NOT NULL"
    closure = (
        f"SELECT {visible}, {_day('closed_at', dialect)} AS day, 1 AS closed, "
        "CASE WHEN outcome = 'settled' THEN 1 ELSE 0 END AS settled, "
        f"CASE WHEN {accepted} THEN 1 ELSE 0 END AS accepted_and_closed, "
        f"CASE WHEN {accepted} THEN {_microseconds('accepted_at', 'closed_at', dialect)} ELSE 0 END "
        "AS acceptance_to_closure_us, 0 AS confirmation_requested, 0 AS confirmed "
        "FROM cases WHERE closed_at IS NOT NULL"
    )
    requested = (
        f"SELECT {visible}, {_day('confirmation_requested_at', dialect)}, 0, 0, 0, 0, 1, 0 "
        "FROM cases WHERE confirmation_requested_at IS NOT NULL"
    )
    confirmed = (
        f"SELECT {visible}, {_day('confirmation_decided_at', dialect)}, 0, 0, 0, 0, 0, 1 "
        "FROM cases WHERE confirmation_decided_at IS NOT NULL AND confirmation_decision = 'confirmed'"
    )
    return f"{closure} UNION ALL {requested} UNION ALL {confirmed}"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "case_figures",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(
            sa.Column(name, sa.BigInteger() if name.endswith("_us") else sa.Integer(), server_default="0", nullable=False)
            for name in CASE_COUNTS
        ),
        sa.PrimaryKeyConstraint("scope", "holder", "day"),
    )
    op.create_table(
        "opened_figures",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("per", sa.String(length=16), nullable=False),
        sa.Column("whom", sa.String(length=100), nullable=False),
        sa.Column("opened", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("scope", "holder", "day", "per", "whom"),
    )
    sums = ", ".join(f"SUM({name})" for name in CASE_COUNTS)
    opened_day = _day("opened_at", dialect)
    for scope, holder, when in HOLDERS:
        if scope != "pool":  # a case waiting for a mediator is neither closed nor taken to confirmation
            op.execute(
                f"INSERT INTO case_figures (scope, holder, day, {', '.join(CASE_COUNTS)}) "
                f"SELECT '{scope}', {holder}, day, {sums} FROM ({_events(dialect)}) AS events "
                f"WHERE {when} GROUP BY {holder}, day"
            )
        for per, whom in (("bank", "claimant_code"), ("mediator", "mediator_id")):
            op.execute(
                'INSERT INTO opened_figures (scope, holder, day, per, whom, opened) '
                f"SELECT '{scope}', {holder}, {opened_day}, '{per}', {whom}, COUNT(*) FROM cases "
                f"WHERE {when} AND {whom} IS NOT NULL GROUP BY {holder}, {opened_day}, {whom}"
            )


def downgrade() -> None:
    op.drop_table("opened_figures")
    op.drop_table("case_figures")
