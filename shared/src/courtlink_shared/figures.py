"""The figures every service reports (statistics pages, annual reports): one way to state a rate."""

from __future__ import annotations

from decimal import Decimal


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator to four places, or None when nothing was counted (no rate, rather than a false 0)."""
    return None if denominator == 0 else (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))
