"""Case numbers (案号): `（{year}）{court code}{type code}{n}号`, e.g. `（2026）吉7101民初15号`.

The legal source is the SPC's 最高人民法院关于人民法院案件案号的若干规定 (法〔2015〕137号, in force 1 January
2016) and its annexes (人民法院案件类型及其代字标准, 各级法院代字表): a case number is the year the case was
received, the court's code (法院代字), the case type code (类型代字) and the case's sequence number (案件编号),
within full-width brackets and 号.

Both full-width and ASCII brackets are accepted on input; output always uses full-width brackets, so a number
written with full-width brackets prints back exactly as it was read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.identifiers.normalise import InvalidIdentifier

# Type codes used by Courtlink, longest first so that parsing prefers 民诉前调 over a shorter code.
TYPE_CODES = ("民诉前调", "民初", "民特", "执")
PRE_LITIGATION_MEDIATION, FIRST_INSTANCE_CIVIL, JUDICIAL_CONFIRMATION, ENFORCEMENT = TYPE_CODES

SUPREME_COURT = "最高法"
# 各级法院代字表: the province-level abbreviation of each high court (内 for Inner Mongolia, 黔 for Guizhou, 云 for
# Yunnan), and 兵 for the courts of the Xinjiang Production and Construction Corps (兵团分院 and its courts).
PROVINCE_ABBREVIATIONS = "京津冀晋内辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新兵"
# The court code: 最高法 (the Supreme People's Court and its circuit tribunals), the abbreviation alone (a high
# court), with two digits (an intermediate court, the railway, maritime, intellectual property and financial
# courts included, e.g. 吉71, 沪72) or with four (a basic court: its intermediate court's two digits and its own
# two, e.g. 吉7101). Neither group of digits is 00: courts are numbered from 01.
_TWO_DIGITS = "(?:0[1-9]|[1-9][0-9])"  # 01–99, without look-ahead so that pydantic's (Rust) regex takes it too
_COURT_GROUP = rf"(?:{SUPREME_COURT}|[{PROVINCE_ABBREVIATIONS}](?:{_TWO_DIGITS}{_TWO_DIGITS}?)?)"
COURT_CODE_PATTERN = rf"^{_COURT_GROUP}$"
_COURT_CODE = re.compile(COURT_CODE_PATTERN)

# The year a case was received. The format above exists since 1 January 2016 (the 2015 provisions); before, case
# numbers were written differently (e.g. （2010）长民二初字第123号), so an earlier year in this format is a
# typing error.
# Up to next year: a number allocated just after midnight on 1 January (Beijing time) may be read where the clock
# still shows the old year; anything later has not been received yet.
FIRST_YEAR = 2016

_PATTERN = re.compile(
    r"^\((?P<year>[0-9]{4})\)(?P<court>"
    + _COURT_GROUP
    + r")(?P<type>"
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


def is_court_code(value: str) -> bool:
    """Whether `value` has the shape of a 法院代字 (最高法, 吉, 吉71, 吉7101)."""
    return _COURT_CODE.match(value) is not None


def validate_court_code(value: str) -> str:
    """The court code, NFKC-normalised and without blanks; raises InvalidIdentifier if it has no court code's shape."""
    code = "".join(unicodedata.normalize("NFKC", value).split())
    if not is_court_code(code):
        raise InvalidIdentifier(
            "court_code",
            f"not a court code: {value!r} (最高法, a province abbreviation such as 吉 for a high court, with two "
            "digits for an intermediate court such as 吉71, or with four for a basic court such as 吉7101)",
            "不是法院代字：应为“最高法”、省份简称（高级法院，如“吉”）、简称加 2 位数字（中级法院，如“吉71”）"
            "或加 4 位数字（基层法院，如“吉7101”）",
        )
    return code


def _check_year(year: int, today: date | None) -> None:
    latest = (today or datetime.now(SHANGHAI).date()).year + 1
    if not FIRST_YEAR <= year <= latest:
        raise InvalidIdentifier("year", f"the year of a case number is between {FIRST_YEAR} and {latest}, not {year}")


def parse_case_number(value: str, *, today: date | None = None) -> CaseNumber:
    """Parse a case number written with full-width or ASCII brackets; raise InvalidIdentifier if malformed, if its
    court code has no court code's shape, or if its year is outside 2016 to next year (`today` defaults to today in
    Beijing)."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    match = _PATTERN.match(text)
    if match is None:
        raise InvalidIdentifier(
            "format",
            "not a case number of the form （2026）吉7101民初15号 with a court code (最高法, 吉, 吉71, 吉7101) and a "
            f"known type code: {value!r}",
        )
    year = int(match["year"])
    _check_year(year, today)
    return CaseNumber(year, match["court"], match["type"], int(match["n"]))


def check_court_and_type(court_code: str, type_code: str) -> None:
    """Raise InvalidIdentifier unless the type code is one of ours and the court code has a court code's shape."""
    if type_code not in TYPE_CODES:
        raise InvalidIdentifier("type", f"unknown case type code {type_code!r}")
    if not is_court_code(court_code):
        raise InvalidIdentifier("court_code", f"not a court code: {court_code!r}")


def format_case_number(year: int, court_code: str, type_code: str, n: int, *, today: date | None = None) -> str:
    """The printed case number, with full-width brackets; refuses an unknown type code, a court code of the wrong
    shape, a year out of range and a sequence number below 1 (numbers start at 1)."""
    check_court_and_type(court_code, type_code)
    _check_year(year, today)
    if n < 1:
        raise InvalidIdentifier("sequence", f"a case's sequence number starts at 1, not {n}")
    return str(CaseNumber(year, court_code, type_code, n))
