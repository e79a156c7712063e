"""mediator active-case counts: each mediator's count of active cases kept on their row, filled from the cases

Revision ID: finance_mediation_0003
Revises: finance_mediation_0002
Create Date: 2026-11-26 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "finance_mediation_0003"
down_revision: str | Sequence[str] | None = "finance_mediation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# rules.ACTIVE as it is at this revision (a migration never imports the code it migrates)
ACTIVE = ("assigned", "in_mediation", "suspended", "awaiting_signatures")


def upgrade() -> None:
    op.add_column("mediators", sa.Column("active_cases", sa.Integer(), nullable=False, server_default="0"))
    statuses = ", ".join(f"'{status}'" for status in ACTIVE)
    op.execute(
        "UPDATE mediators SET active_cases = (SELECT count(*) FROM cases WHERE cases.mediator_id = mediators.id "
        f"AND cases.status IN ({statuses}))"
    )


def downgrade() -> None:
    op.drop_column("mediators", "active_cases")
