"""figures per court, bank and Beijing day, kept with the writes

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-11-26 18:00:00

Statistics sum these rows instead of counting the period's disputes. The rows are filled here from the disputes
already stored, by the Beijing day of each time (UTC+8 all year), as the service counts them from now on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0003"
down_revision: str | Sequence[str] | None = "intake_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("accepted", "routed", "mediations_closed", "settled", "filed")


def _beijing_day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') + INTERVAL '8 hours' AS DATE)"
    return f"date({column}, '+8 hours')"  # SQLite keeps the UTC time as text


def upgrade() -> None:
    op.create_table(
        "dispute_figures",
        sa.Column("court_code", sa.String(length=16), nullable=False),
        sa.Column("bank_code", sa.String(length=18), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("court_code", "bank_code", "day"),
    )
    op.create_index("ix_dispute_figures_bank_day", "dispute_figures", ["bank_code", "day"], unique=False)
    dialect = op.get_bind().dialect.name
    day = {column: _beijing_day(column, dialect) for column in ("submitted_at", "routed_at", "mediation_closed_at", "filed_at")}
    # One row per dispute and counted time (accepted, routed, closed with its outcome, filed), summed per day.
    counted = f"""
        SELECT court_code, bank_code, {day["submitted_at"]} AS day, 1 AS accepted, 0 AS routed,
               0 AS mediations_closed, 0 AS settled, 0 AS filed
          FROM disputes WHERE status <> 'rejected'
        UNION ALL
        SELECT court_code, bank_code, {day["routed_at"]}, 0, 1, 0, 0, 0 FROM disputes WHERE routed_at IS NOT NULL
        UNION ALL
        SELECT court_code, bank_code, {day["mediation_closed_at"]}, 0, 0, 1,
               CASE WHEN mediation_outcome = 'settled' THEN 1 ELSE 0 END, 0
          FROM disputes WHERE mediation_closed_at IS NOT NULL
        UNION ALL
        SELECT court_code, bank_code, {day["filed_at"]}, 0, 0, 0, 0, 1 FROM disputes WHERE filed_at IS NOT NULL
    """
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    op.execute(
        f"INSERT INTO dispute_figures (court_code, bank_code, day, {', '.join(COUNTS)}) "
        f"SELECT court_code, bank_code, day, {sums} FROM ({counted}) AS counted GROUP BY court_code, bank_code, day"
    )


def downgrade() -> None:
    op.drop_index("ix_dispute_figures_bank_day", table_name="dispute_figures")
    op.drop_table("dispute_figures")
