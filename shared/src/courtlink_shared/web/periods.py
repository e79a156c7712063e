"""The reporting period of statistics endpoints: `?from=YYYY-MM-DD&to=YYYY-MM-DD`, Beijing dates, inclusive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query

from courtlink_shared.clock import beijing_day_start
from courtlink_shared.web.problems import UnprocessableInput


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: from the first day's midnight in Beijing to the midnight after the last."""
        return beijing_day_start(self.start), beijing_day_start(self.end + timedelta(days=1))


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # statistics outside these years are typing errors


def period(
    period_from: Annotated[
        date, Query(alias="from", description="First day (Beijing time), inclusive", ge=EARLIEST, le=LATEST)
    ],
    period_to: Annotated[
        date, Query(alias="to", description="Last day (Beijing time), inclusive", ge=EARLIEST, le=LATEST)
    ],
) -> Period:
    """The period; a period that ends before it starts is refused field by field."""
    if period_to < period_from:
        raise UnprocessableInput(
            "the period ends before it starts",
            errors=[
                {
                    "field": "query.to",
                    "code": "range",
                    "message": "to must not be before from",
                    "message_zh": "结束日期不得早于开始日期",
                }
            ],
        )
    return Period(period_from, period_to)


PeriodDep = Annotated[Period, Depends(period)]
