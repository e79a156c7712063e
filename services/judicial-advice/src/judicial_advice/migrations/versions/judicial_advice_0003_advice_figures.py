"""figures per court, Beijing month of signing and recipient, kept with the writes

Revision ID: judicial_advice_0003
Revises: judicial_advice_0002
Create Date: 2026-11-26 22:00:00

The year's statistics sum these rows instead of counting the year's advice. The rows are filled here from the
advice already stored, by the Beijing month of signing (UTC+8 all year), as the service counts them from now on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "judicial_advice_0003"
down_revision: str | Sequence[str] | None = "judicial_advice_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("issued", "delivered", "replied", "replied_on_time", "adopted")


def _month_of_signing(dialect: str) -> str:
    if dialect == "postgresql":
        return "to_char((issued_at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')"
    return "strftime('%Y-%m', issued_at, '+8 hours')"  # SQLite keeps the UTC time as text


def upgrade() -> None:
    op.create_table(
        "advice_figures",
        sa.Column("court_code", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("recipient_name", sa.String(length=100), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("court_code", "month", "recipient_name"),
    )
    # As the service counts: signed advice; delivered; a final reply, on time when by the deadline, adopted in
    # whole or in part.
    replied = "final_reply_at IS NOT NULL"
    on_time = f"{replied} AND reply_deadline IS NOT NULL AND final_reply_at <= reply_deadline"
    adopted = f"{replied} AND adoption IN ('adopted', 'partly_adopted')"
    counted = ", ".join(
        f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"
        for condition in ("1 = 1", "delivered_at IS NOT NULL", replied, on_time, adopted)
    )
    month = _month_of_signing(op.get_bind().dialect.name)
    op.execute(
        f"INSERT INTO advice_figures (court_code, month, recipient_name, {', '.join(COUNTS)}) "
        f"SELECT court_code, {month}, recipient_name, {counted} FROM advices WHERE issued_at IS NOT NULL "
        f"GROUP BY court_code, {month}, recipient_name"
    )


def downgrade() -> None:
    op.drop_table("advice_figures")
