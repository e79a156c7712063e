"""Generic Alembic environment: every service's migrations run through it on the connection given by
courtlink_shared.db.migrations.upgrade (config.attributes["connection"])."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
