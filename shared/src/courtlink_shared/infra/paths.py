"""Where local infrastructure keeps its cache and its running instances (always outside the repository)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Downloaded artefacts (Kafka jars): $COURTLINK_CACHE_DIR, else ~/.cache/courtlink."""
    base = os.environ.get("COURTLINK_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "courtlink"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def instance_dir(kind: str, name: str) -> Path:
    """State of one running instance, e.g. instance_dir("kafka", "dev")."""
    path = cache_dir() / "instances" / kind / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def repository_root() -> Path:
    """The Courtlink checkout this library is installed from (editable workspace install)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "deploy" / "local" / "pom.xml").is_file():
            return parent
    raise FileNotFoundError("deploy/local/pom.xml not found above " + str(here))
