"""court registrations: which mediation organisations serve which court (the pool's scope)

Revision ID: finance_mediation_0002
Revises: finance_mediation_0001
Create Date: 2026-11-26 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "finance_mediation_0002"
down_revision: str | Sequence[str] | None = "finance_mediation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "court_registrations",
        sa.Column("court_code", sa.String(length=16), nullable=False),
        sa.Column("organisation_code", sa.String(length=32), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("court_code", "organisation_code"),
    )
    op.create_index(
        "ix_court_registrations_organisation_code", "court_registrations", ["organisation_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_court_registrations_organisation_code", table_name="court_registrations")
    op.drop_table("court_registrations")
