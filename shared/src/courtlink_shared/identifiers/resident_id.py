"""Resident ID number (居民身份证号码, GB 11643): checksum by python-stdnum, plus our normalisation and
the rule that the birth date is a real date in the past."""

from __future__ import annotations

from datetime import date, datetime

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

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
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier(
            "format",
            "a resident ID number is 17 digits followed by a digit or X",
            "居民身份证号码应为 17 位数字加 1 位数字或 X",
        )
    try:
        ric.validate(number)
    except InvalidChecksum as exc:
        raise InvalidIdentifier(
            "checksum", "the check character of the resident ID number is wrong", "居民身份证号码校验码错误"
        ) from exc
    except InvalidComponent as exc:
        raise InvalidIdentifier(
            "component",
            "the birth date or area code of the resident ID number is invalid",
            "居民身份证号码的出生日期或地址码无效",
        ) from exc
    except (InvalidFormat, InvalidLength, ValidationError) as exc:
        raise InvalidIdentifier("format", f"invalid resident ID number: {exc}", "居民身份证号码格式错误") from exc
    birth = ric.get_birth_date(number)
    if birth > (today or datetime.now(SHANGHAI).date()):
        raise InvalidIdentifier(
            "component", "the birth date of the resident ID number is in the future", "居民身份证号码的出生日期晚于今天"
        )
    return str(number)


def mask_resident_id(number: str) -> str:
    """`110105********002X`: area code and the last four kept, the birth date hidden (for logs and most roles)."""
    return number[:6] + "*" * 8 + number[14:] if len(number) == 18 else "*" * len(number)
