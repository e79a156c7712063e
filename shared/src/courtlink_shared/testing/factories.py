"""Valid identifiers for test data (every service's tests need people and companies that pass validation)."""

from __future__ import annotations

from datetime import date, datetime

from stdnum.cn import uscc

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.identifiers.credit_code import ALPHABET

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int, *, area: str = "110105", born: date = date(1980, 1, 1)) -> str:
    """The n-th valid resident ID number (distinct for n in 0..999, then the birth day moves)."""
    day = date.fromordinal(born.toordinal() + n // 1000)
    body = f"{area}{day:%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _RIC_WEIGHTS, strict=True)) % 11]


def credit_code(n: int, *, prefix: str = "91220101") -> str:
    """The n-th valid unified social credit code."""
    body = prefix
    value = n
    for _ in range(17 - len(prefix)):
        body += ALPHABET[value % 31]
        value //= 31
    return body + str(uscc.calc_check_digit(body))


def today_in_beijing() -> date:
    """Today as courts count days (statistics periods and "not in the future" are Beijing dates, not UTC)."""
    return datetime.now(SHANGHAI).date()
