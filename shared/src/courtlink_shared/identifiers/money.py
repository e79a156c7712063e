"""Money: CNY as Decimal with exactly two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e15")  # no CNY amount reaches a thousand trillion yuan
MAX_CLAIM = Decimal("10000000000.00")  # ten billion yuan: above this an amount is a typing error, not a claim


def to_money(value: Decimal | str | int) -> Decimal:
    """A Decimal with two places; refuses floats, non-numbers and more than two decimals."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("amount must be finite")
    if abs(amount) >= MAX_AMOUNT:  # beyond this, quantizing to cents overflows Decimal's precision
        raise ValueError("amount is out of range")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("amount has more than two decimal places")
    return amount.quantize(CENT)


def _check_money(value: Decimal) -> Decimal:
    return to_money(value)


Money = Annotated[Decimal, AfterValidator(_check_money)]
"""A pydantic field type for CNY amounts (two decimals at most)."""
