"""asset queries by court and time: the statistics count a period's queries without reading the others

Revision ID: enforcement_inquiry_0002
Revises: enforcement_inquiry_0001
Create Date: 2026-11-26 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "enforcement_inquiry_0002"
down_revision: str | Sequence[str] | None = "enforcement_inquiry_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_asset_queries_court_requested", "asset_queries", ["court_code", "requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_asset_queries_court_requested", table_name="asset_queries")
