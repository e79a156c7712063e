"""Alembic, applied on start-up: the platform branch plus the service's own history, on one connection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

_HERE = Path(__file__).resolve().parent
PLATFORM_VERSIONS = _HERE / "platform_migrations"
# Any fixed number: the replicas of one service, starting together, migrate one after the other.
_MIGRATION_LOCK = 0x636F75727400


def alembic_config(version_dirs: Sequence[Path], target_metadata: Sequence[MetaData] = ()) -> Config:
    """An in-memory Alembic config over the platform history and the given service histories."""
    config = Config()
    config.set_main_option("script_location", str(_HERE / "alembic"))
    locations = [PLATFORM_VERSIONS, *version_dirs]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.attributes["target_metadata"] = list(target_metadata) or None
    return config


def _upgrade_sync(connection: Connection, config: Config, to: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, to)


async def upgrade(engine: AsyncEngine, version_dirs: Sequence[Path] = (), *, to: str = "heads") -> None:
    """Bring the database to the newest revision of every branch (platform and service), or to the revision `to`
    (a test of a migration starts from the revision before it)."""
    config = alembic_config(version_dirs)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several replicas start at once: the first migrates, the others wait here (the lock ends with this
            # transaction) and then find the schema at its newest revision, so nothing is created twice.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        await connection.run_sync(_upgrade_sync, config, to)
