"""advice conclusion in a column of its own: the statistics count advice by conclusion without parsing every advice

Revision ID: enforcement_inquiry_0003
Revises: enforcement_inquiry_0002
Create Date: 2026-11-26 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "enforcement_inquiry_0003"
down_revision: str | Sequence[str] | None = "enforcement_inquiry_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("inquiries", sa.Column("advice_conclusion", sa.String(length=32), nullable=True))
    inquiries = sa.table("inquiries", sa.column("advice", sa.JSON()), sa.column("advice_conclusion", sa.String()))
    op.execute(
        inquiries.update()
        .where(inquiries.c.advice.is_not(None))
        .values(advice_conclusion=inquiries.c.advice["conclusion"].as_string())
    )


def downgrade() -> None:
    op.drop_column("inquiries", "advice_conclusion")
