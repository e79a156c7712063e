"""Response models read from rows. A service's `…Out` model validates an ORM object's attributes
(`from_attributes`), typed down to its sub-models, so that no service maps a row to a response field by field.
What a row does not hold itself (a flag that depends on the clock, a figure computed from other rows) is derived
by the model's own constructor, or by a `computed_field` where it follows from the model's fields alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

from courtlink_shared.deadlines.periods import days_deadlines_end_on, deadline_warnings


class RowOut(BaseModel):
    """A response model read from an object's attributes (a row, or a dict stored in a JSON column)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def from_row(cls, row: object, **derived: Any) -> Self:
        """The model of `row`; `derived` gives the fields the row does not hold, or holds under another name.

        Raises pydantic's ValidationError when the row lacks a field that is not derived: a programming error,
        never the caller's input."""
        return cls.model_validate(_Overlay(row, derived) if derived else row)


def deadline_fields(**deadlines: datetime | None) -> dict[str, Any]:
    """What every response shows beside its deadlines (given by field name): `ends_on`, the Beijing day each ends
    on (at 24:00), and `calendar_warning` (`calendar_warning_zh` in Chinese), set when one falls in a year whose
    holiday arrangement is not published yet."""
    warning, warning_zh = deadline_warnings(*deadlines.values()) or (None, None)
    return {"ends_on": days_deadlines_end_on(deadlines), "calendar_warning": warning, "calendar_warning_zh": warning_zh}


class _Overlay:
    """A row seen with some attributes given beside it (pydantic reads attributes with getattr)."""

    __slots__ = ("_row", "_values")

    def __init__(self, row: object, values: dict[str, Any]) -> None:
        self._row = row
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        return getattr(self._row, name)
