"""advice awaiting its reply, by court and issue time: the statistics list the overdue ones without reading the year

Revision ID: judicial_advice_0002
Revises: judicial_advice_0001
Create Date: 2026-11-26 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "judicial_advice_0002"
down_revision: str | Sequence[str] | None = "judicial_advice_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_advices_awaiting_reply",
        "advices",
        ["court_code", "issued_at"],
        unique=False,
        postgresql_where=sa.text("final_reply_at IS NULL"),
        sqlite_where=sa.text("final_reply_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_advices_awaiting_reply", table_name="advices")
