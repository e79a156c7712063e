"""The reporting period of statistics endpoints: `?from=YYYY-MM-DD&to=YYYY-MM-DD`, Beijing dates, inclusive."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from courtlink_shared.reporting_period import EARLIEST, LATEST, Period
from courtlink_shared.web.problems import UnprocessableInput

__all__ = ["EARLIEST", "LATEST", "Period", "PeriodDep", "period"]


async def period(
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
