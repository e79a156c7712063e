"""Working days on the official Chinese calendar (calendar.py): public holidays are off, and adjusted working
weekends (调休) are working days. Kept for callers of the earlier helpers; new code calls periods.period_end.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from courtlink_shared.deadlines.calendar import OFFICIAL_CALENDAR
from courtlink_shared.deadlines.periods import Unit, period_end


def is_working_day(day: date) -> bool:
    """Whether courts and banks work on this day in mainland China."""
    return OFFICIAL_CALENDAR.is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself never counts); n must be positive."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return day


def working_days_deadline(start: datetime, n: int) -> datetime:
    """End (24:00 Beijing time) of the n-th working day after the Beijing-time day of `start`, as aware UTC."""
    return period_end(start, n, Unit.WORKING_DAYS).ends_at


def calendar_days_deadline(start: datetime, days: int) -> datetime:
    """End (24:00 Beijing time) of a period of `days` days from `start`, its last day moved off a rest day."""
    return period_end(start, days, Unit.DAYS).ends_at
