"""Counting periods as the law counts them: the one function every deadline of every service is computed with.

Legal source: Civil Procedure Law (2023) art. 85; Civil Code arts. 200–204.
- The day a period starts is not counted (CPL art. 85 para. 2; Civil Code art. 201).
- A period in days ends at 24:00 of its last day, Beijing time (Civil Code art. 203 para. 2).
- A period in months or years ends on the corresponding day of the last month; a month without it ends on its last
  day (Civil Code art. 202).
- A last day that is a statutory rest day moves to the first working day after it (CPL art. 85 para. 3; Civil Code
  art. 203 para. 1). Rest days are the State Council's arrangement for the year (calendar.py); an adjusted working
  weekend day is a working day.
- Periods in working days (the SPC's specially invited mediation provisions, 2016) count working days of the same
  calendar; their last day is a working day by construction.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.calendar import OFFICIAL_CALENDAR, OfficialCalendar
from courtlink_shared.observability.metrics import PROVISIONAL_DEADLINES

PROVISIONAL_WARNING = "{years}: no holiday arrangement published yet; counted on the statutory holidays only"
PROVISIONAL_WARNING_ZH = "{years}年节假日安排尚未公布，按法定节假日计算"


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"


@dataclass(frozen=True)
class PeriodEnd:
    """Where a period ends: its last day (Beijing time) and the instant it runs out (24:00 of that day, UTC)."""

    last_day: date
    ends_at: datetime
    provisional_years: frozenset[int] = frozenset()

    @property
    def warning(self) -> str | None:
        """Set when a year the count went through has no published arrangement (statutory holidays only)."""
        return PROVISIONAL_WARNING.format(years=_listed(self.provisional_years)) if self.provisional_years else None

    @property
    def warning_zh(self) -> str | None:
        """`warning` in Chinese, for the console's pages and documents."""
        return PROVISIONAL_WARNING_ZH.format(years=_listed(self.provisional_years)) if self.provisional_years else None


def _listed(years: Iterable[int]) -> str:
    return "、".join(str(y) for y in sorted(years))


def beijing_day(moment: datetime) -> date:
    """The Beijing-time calendar day of an aware instant."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """24:00 Beijing time of `day` (= 00:00 of the next day), as aware UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """00:00 Beijing time of `day`, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def ends_on(deadline: datetime) -> date:
    """The Beijing-time day a stored deadline ends on: for 24:00 of a day (stored as 00:00 of the next), that day."""
    return beijing_day(deadline - timedelta(microseconds=1))


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later, or that month's last day when it has none (Civil Code art. 202)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


def period_end(start: datetime, amount: int, unit: Unit, *, calendar: OfficialCalendar | None = None) -> PeriodEnd:
    """The end of a period of `amount` `unit`s that starts at `start` (an aware instant), counted per Civil
    Procedure Law art. 85 and Civil Code arts. 200–204 (see the module). Raises ValueError for a period of less
    than one unit or a naive start."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if amount < 1:
        raise ValueError("a period is at least one unit long")
    cal = calendar or OFFICIAL_CALENDAR
    first = beijing_day(start)  # not counted: the count starts the next day
    consulted: set[int] = set()

    def working(day: date) -> bool:
        year = cal.year(day.year)
        if not year.official:
            consulted.add(day.year)
        return year.is_working_day(day)

    if unit is Unit.WORKING_DAYS:
        day, counted = first, 0
        while counted < amount:
            day += timedelta(days=1)
            counted += working(day)
    else:
        if unit is Unit.DAYS:
            day = first + timedelta(days=amount)
        else:
            day = add_months(first, amount * (12 if unit is Unit.YEARS else 1))
        while not working(day):  # a rest day: the first working day after it
            day += timedelta(days=1)
    for year in consulted:
        PROVISIONAL_DEADLINES.labels(year=str(year)).inc()
    return PeriodEnd(day, end_of_day(day), frozenset(consulted))


def deadline_warnings(*deadlines: datetime | None, calendar: OfficialCalendar | None = None) -> tuple[str, str] | None:
    """The warning to show beside deadlines whose last day falls in a year with no published arrangement, in
    English and in Chinese; None when every such year is published."""
    cal = calendar or OFFICIAL_CALENDAR
    years = {ends_on(d).year for d in deadlines if d is not None}
    provisional = _listed(year for year in years if not cal.year(year).official)
    if not provisional:
        return None
    return PROVISIONAL_WARNING.format(years=provisional), PROVISIONAL_WARNING_ZH.format(years=provisional)


def days_deadlines_end_on(deadlines: Mapping[str, datetime | None]) -> dict[str, date]:
    """For a response: the Beijing-time day each of an object's deadlines ends on (at 24:00), by field name."""
    return {name: ends_on(moment) for name, moment in deadlines.items() if moment is not None}


def reminder_before(deadline: datetime, days: int, *, calendar: OfficialCalendar | None = None) -> datetime:
    """00:00 Beijing time of the working day `days` days before a deadline's last day (the working day before
    that, when it is a rest day): when a reminder that the deadline approaches goes out."""
    cal = calendar or OFFICIAL_CALENDAR
    day = ends_on(deadline) - timedelta(days=days)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return start_of_day(day)


def reminder_after(deadline: datetime, days: int, *, calendar: OfficialCalendar | None = None) -> datetime:
    """00:00 Beijing time of the last day of a period of `days` days that starts on a deadline's last day (counted
    like any period, so a working day): when a reminder that the deadline has passed goes out."""
    last_day_noon = datetime.combine(ends_on(deadline), time(12), tzinfo=SHANGHAI)
    return start_of_day(period_end(last_day_noon, days, Unit.DAYS, calendar=calendar).last_day)
