"""Unified social credit code (统一社会信用代码, GB 32100).

The checksum comes from python-stdnum; the alphabet and length are checked here as DOMAIN.md defines them.
Some early codes from pilot regions fail the checksum and are still legal: `check_credit_code` accepts them
and says so in `warning`; `validate_credit_code` is the strict form.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc

from courtlink_shared.identifiers.normalise import InvalidIdentifier, normalise_identifier

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LEGACY_CHECKSUM_WARNING = "legacy_checksum"


@dataclass(frozen=True)
class CreditCodeCheck:
    """A credit code that passed the format checks; `warning` is set when only its checksum failed."""

    code: str
    warning: str | None = None

    @property
    def checksum_ok(self) -> bool:
        return self.warning is None


def _check_format(code: str) -> None:
    if len(code) != 18:
        raise InvalidIdentifier("length", f"a unified social credit code has 18 characters, not {len(code)}")
    illegal = sorted({c for c in code if c not in ALPHABET})
    if illegal:
        raise InvalidIdentifier(
            "format", f"illegal character(s) {''.join(illegal)} in the credit code (I, O, Z, S, V are never used)"
        )


def check_credit_code(value: str) -> CreditCodeCheck:
    """Normalise and check; a wrong checksum is accepted with a warning, any other fault raises InvalidIdentifier."""
    code = normalise_identifier(value)
    _check_format(code)
    if uscc.calc_check_digit(code) != code[-1]:
        return CreditCodeCheck(code, LEGACY_CHECKSUM_WARNING)
    return CreditCodeCheck(code)


def validate_credit_code(value: str) -> str:
    """The normalised code; raises InvalidIdentifier on any fault, a wrong checksum included."""
    checked = check_credit_code(value)
    if not checked.checksum_ok:
        raise InvalidIdentifier("checksum", "the check character of the credit code is wrong")
    return checked.code
