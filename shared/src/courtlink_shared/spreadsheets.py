"""CSV files the services write for people to open in a spreadsheet (batch reports, annual reports): every cell
that a spreadsheet would run as a formula is neutralised (OWASP, CSV injection).

A cell is dangerous when its text starts with `=`, `+`, `-`, `@`, a tab or a carriage return: Excel, WPS and
LibreOffice evaluate it (`=HYPERLINK(...)`, `@SUM(...)`, DDE such as `=cmd|' /C calc'!A0`). The text reaches our
reports from banks, agencies and judges, so it is written with a leading apostrophe, which spreadsheets show as
text and do not evaluate; numbers the services compute (ints, Decimals) are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> Any:
    """The value as it may be written into a CSV cell: text that starts like a formula gets a leading `'`."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """A csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one line."""
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write several lines."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO) -> SafeCsvWriter:
    """The writer every CSV the services produce goes through (in place of `csv.writer`)."""
    return SafeCsvWriter(out)
