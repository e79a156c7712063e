"""batch rows as uploaded, one row each, instead of one JSON document per batch

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-26 07:00:00

A worker reading the next chunk, and a progress bar polling a batch, no longer decode the whole upload. Uploads
stored before this revision are moved row by row (unfinished ones resume from their rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0002"
down_revision: str | Sequence[str] | None = "intake_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inputs = op.create_table(
        "batch_inputs",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "position"),
    )
    batches = sa.table("batches", sa.column("id", sa.String()), sa.column("payload", sa.JSON()))
    connection = op.get_bind()
    for batch_id, payload in connection.execute(sa.select(batches.c.id, batches.c.payload)):
        rows = [{"batch_id": batch_id, "position": i, "data": row} for i, row in enumerate(payload or [])]
        if rows:
            connection.execute(inputs.insert(), rows)
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("payload")


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=False, server_default="[]"))
    inputs = sa.table(
        "batch_inputs", sa.column("batch_id", sa.String()), sa.column("position", sa.Integer()), sa.column("data", sa.JSON())
    )
    batches = sa.table("batches", sa.column("id", sa.String()), sa.column("payload", sa.JSON()))
    connection = op.get_bind()
    for (batch_id,) in connection.execute(sa.select(batches.c.id)):
        rows = connection.execute(
            sa.select(inputs.c.data).where(inputs.c.batch_id == batch_id).order_by(inputs.c.position)
        ).scalars()
        connection.execute(batches.update().where(batches.c.id == batch_id).values(payload=list(rows)))
    op.drop_table("batch_inputs")
