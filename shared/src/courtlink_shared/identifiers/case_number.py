"""Case numbers (案号): `（{year}）{court code}{type code}{n}号`, e.g. `（2026）吉7101民初15号`.

Both full-width and ASCII brackets are accepted on input; output always uses full-width brackets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from courtlink_shared.identifiers.normalise import InvalidIdentifier

# Type codes used by Courtlink, longest first so that parsing prefers 民诉前调 over a shorter code.
TYPE_CODES = ("民诉前调", "民初", "民特", "执")
PRE_LITIGATION_MEDIATION, FIRST_INSTANCE_CIVIL, JUDICIAL_CONFIRMATION, ENFORCEMENT = TYPE_CODES

_PATTERN = re.compile(
    r"^\((?P<year>\d{4})\)(?P<court>[\u4e00-\u9fff][0-9]{1,4})(?P<type>"
    + "|".join(TYPE_CODES)
    + r")(?P<n>[1-9][0-9]*)号$"
)


@dataclass(frozen=True, order=True)
class CaseNumber:
    """A parsed case number."""

    year: int
    court_code: str
    type_code: str
    n: int

    def __str__(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type_code}{self.n}号"

    @property
    def sequence_scope(self) -> str:
        """The scope in which n runs without gaps: per court and type code (and year)."""
        return case_number_scope(self.court_code, self.type_code)


def case_number_scope(court_code: str, type_code: str) -> str:
    """Key of the gap-free sequence for one court and type code."""
    return f"case:{court_code}:{type_code}"


def parse_case_number(value: str) -> CaseNumber:
    """Parse a case number written with full-width or ASCII brackets; raise InvalidIdentifier if malformed."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    match = _PATTERN.match(text)
    if match is None:
        raise InvalidIdentifier(
            "format", f"not a case number of the form （2026）吉7101民初15号 with a known type code: {value!r}"
        )
    return CaseNumber(int(match["year"]), match["court"], match["type"], int(match["n"]))


def format_case_number(year: int, court_code: str, type_code: str, n: int) -> str:
    """The printed case number, with full-width brackets."""
    if type_code not in TYPE_CODES:
        raise InvalidIdentifier("type", f"unknown case type code {type_code!r}")
    return str(CaseNumber(year, court_code, type_code, n))
