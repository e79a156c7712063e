"""Write a new Alembic revision for a service from its models (autogenerate against a scratch database):

    .venv/bin/python -m courtlink_shared.db.revision intake.models:Base intake -m "add disputes"

The revision lands in the service's migrations/versions folder, on the service's own branch.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from courtlink_shared.db.engine import create_engine
from courtlink_shared.db.migrations import alembic_config
from courtlink_shared.db.platform_tables import platform_metadata


def _revise(connection: Connection, base_path: str, branch: str, message: str) -> None:
    module_name, _, attr = base_path.partition(":")
    module = importlib.import_module(module_name)
    metadata = getattr(module, attr).metadata
    versions = Path(module.__file__ or "").parent / "migrations" / "versions"
    config = alembic_config([versions], [platform_metadata, metadata])  # platform tables are not the service's to drop
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")
    heads = ScriptDirectory.from_config(config).get_revisions("heads")
    branch_head = next((r.revision for r in heads if branch in (r.branch_labels or ())), None)
    command.revision(
        config,
        message=message,
        autogenerate=True,
        head=f"{branch}@head" if branch_head else "base",
        branch_label=None if branch_head else branch,
        version_path=str(versions),
        rev_id=f"{branch.replace('-', '_')}_{len(list(versions.glob('*.py'))) + 1:04d}",
    )


async def _main(base_path: str, branch: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite+aiosqlite:///{scratch}/scratch.db")
        async with engine.begin() as conn:
            await conn.run_sync(_revise, base_path, branch, message)
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="module:DeclarativeBase of the service, e.g. intake.models:Base")
    parser.add_argument("branch", help="the service's branch label, e.g. intake")
    parser.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    asyncio.run(_main(args.base, args.branch, args.message))


if __name__ == "__main__":
    main()
