"""Working days on the official Chinese calendar, from the maintained `chinese_calendar` library: public
holidays are off, and adjusted working weekends (调休) are working days. Pure functions, no I/O.

For a year the library does not yet cover, the calendar falls back to Monday–Friday and logs a warning
once per year: a deadline is then still computed, never silently.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar

from courtlink_shared.clock import SHANGHAI

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    """Whether courts and banks work on this day in mainland China."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no official holiday calendar for %s yet: counting Monday to Friday", day.year)
        return day.weekday() < 5


@functools.lru_cache(maxsize=4096)
def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself never counts); n must be positive."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_deadline(start: datetime, n: int) -> datetime:
    """End (24:00 Beijing time) of the n-th working day after the Beijing-time day of `start`, as aware UTC."""
    local_day = start.astimezone(SHANGHAI).date()
    last_day = add_working_days(local_day, n)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)


def calendar_days_deadline(start: datetime, days: int) -> datetime:
    """End (24:00 Beijing time) of the day `days` calendar days after the Beijing-time day of `start`."""
    local_day = start.astimezone(SHANGHAI).date()
    return datetime.combine(local_day + timedelta(days=days + 1), time(0), tzinfo=SHANGHAI).astimezone(UTC)
