"""Resident ID number (居民身份证号码, GB 11643): checksum by python-stdnum, plus our normalisation and
the rule that the birth date is a real date in the past."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.identifiers.normalise import InvalidIdentifier, normalise_identifier


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """The normalised 18-character ID number; raises InvalidIdentifier saying what is wrong."""
    number = normalise_identifier(value)
    if len(number) != 18:
        raise InvalidIdentifier(
            "length",
            f"a resident ID number has 18 characters, not {len(number)}",
            f"居民身份证号码应为 18 位，而不是 {len(number)} 位",
        )
    # isascii: str.isdigit also takes other scripts' digits, which int() would read as 0–9
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier(
            "format",
            "a resident ID number is 17 digits followed by a digit or X",
            "居民身份证号码应为 17 位数字加 1 位数字或 X",
        )
    # python-stdnum's checks in its order (ric.validate: check character, birth date, birth place), without
    # cleaning the number again at each step and with the place looked up once per area and year of birth.
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdentifier(
            "checksum", "the check character of the resident ID number is wrong", "居民身份证号码校验码错误"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or not _area_existed(number[:6], birth.year):
        raise InvalidIdentifier(
            "component",
            "the birth date or area code of the resident ID number is invalid",
            "居民身份证号码的出生日期或地址码无效",
        )
    if birth > (today or datetime.now(SHANGHAI).date()):
        raise InvalidIdentifier(
            "component", "the birth date of the resident ID number is in the future", "居民身份证号码的出生日期晚于今天"
        )
    return str(number)


@lru_cache(maxsize=65_536)
def _area_existed(area: str, year: int) -> bool:
    """Whether the area code (GB/T 2260, python-stdnum's table of counties with the years each code was in use)
    named a county in that year of birth. A batch's many numbers share a few thousand areas and years."""
    try:
        ric.get_birth_place(f"{area}{year:04d}0101000")
    except InvalidComponent:
        return False
    return True


def mask_resident_id(number: str) -> str:
    """`110105********002X`: area code and the last four kept, the birth date hidden (for logs and most roles)."""
    return number[:6] + "*" * 8 + number[14:] if len(number) == 18 else "*" * len(number)
