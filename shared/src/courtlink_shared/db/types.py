"""Column types with the project's rules: times are timezone-aware UTC, money is Decimal with two places."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored and returned as aware UTC on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """CNY amount: NUMERIC(18, 2), always a Decimal, never a float."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        return value.quantize(Decimal("0.01"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


TYPE_ANNOTATION_MAP: dict[Any, Any] = {
    datetime: UtcDateTime(),
    Decimal: Money(),
    dict[str, Any]: JSON(),
    list[Any]: JSON(),
}
"""For services' DeclarativeBase: `Mapped[datetime]` is aware UTC, `Mapped[Decimal]` is money, dicts and lists JSON."""
