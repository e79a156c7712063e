"""Where benchmarks write their results: bench/results/<name>.json."""

from __future__ import annotations

import json
from pathlib import Path


def write_result(name: str, result: dict[str, object]) -> None:
    """Write one benchmark's figures as JSON for the record."""
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2))
