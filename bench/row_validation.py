"""Benchmark: validating a batch's rows, the CPU intake spends on each row before it touches the database.

    .venv/bin/python bench/row_validation.py [--rows 5000] [--runs 7]

Each row is validated as the batch worker does (`DisputeIn` with the bank's claimant check), in this process and
without I/O: microseconds per row, the median of the runs (each run in brackets). The rows are those of
`bench/system.py`: one person as respondent, distinct ID numbers, amounts as text. Writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_results import write_result
from intake.batches import _validate
from system import BANKS, _dispute


def _microseconds_per_row(rows: list[dict[str, object]], bank: str) -> float:
    start = time.perf_counter()
    for row in rows:
        item, errors = _validate(row, bank)
        assert item is not None, errors
    return (time.perf_counter() - start) / len(rows) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = [_dispute(n, "validation") for n in range(args.rows)]
    _microseconds_per_row(rows[:200], BANKS[0])  # warm-up: imports, pydantic's first calls
    runs = [_microseconds_per_row(rows, BANKS[0]) for _ in range(args.runs)]
    median = statistics.median(runs)
    print(f"row validation, µs per row: {median:.1f}   ({', '.join(f'{r:.1f}' for r in runs)})")
    write_result("row_validation", {"rows": args.rows, "runs_us_per_row": runs, "median_us_per_row": median})


if __name__ == "__main__":
    main()
