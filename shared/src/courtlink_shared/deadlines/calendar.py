"""The official calendar: which days are statutory rest days in mainland China, year by year.

Sources, the first that knows a year wins:
1. an arrangement the court's administrator loaded (the State Council's notice for that year, 国务院办公厅关于
   XXXX年部分节假日安排的通知), kept in every service's `calendar_arrangements` table (calendar_store.py);
2. a data file in the repository, `calendar_data/<year>.json`, marked `"official": true` once the arrangement is
   published;
3. the maintained `chinese_calendar` library (2004 to the last year it ships);
4. a repository data file with only the statutory holidays of 全国年节及纪念日放假办法 (as amended 2024, art. 2):
   New Year's Day, the Spring Festival eve and three days, Qingming, 1–2 May, the Dragon Boat, Mid-Autumn and
   1–3 October — provisional;
5. nothing known: the solar-date statutory holidays (1 January, 1–2 May, 1–3 October) and weekends — provisional.

A year from sources 4 or 5 is *provisional*: deadlines are still computed, and say so (periods.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from importlib import resources

import chinese_calendar

MIN_YEAR, MAX_YEAR = 2000, 2100
_DATA_PACKAGE = "courtlink_shared.deadlines.calendar_data"


class CalendarSource(StrEnum):
    LOADED = "loaded"  # the court's administrator loaded the State Council's arrangement
    REPOSITORY = "repository"  # a published arrangement kept in the repository
    LIBRARY = "chinese_calendar"  # the maintained library
    STATUTORY = "statutory_holidays_only"  # the fixed statutory holidays; no arrangement published yet
    FIXED_DATES = "fixed_solar_dates_only"  # nothing known but the solar-date statutory holidays


OFFICIAL_SOURCES = frozenset({CalendarSource.LOADED, CalendarSource.REPOSITORY, CalendarSource.LIBRARY})


@dataclass(frozen=True)
class YearCalendar:
    """One year's rest days: public holidays (weekend days inside a holiday included) and adjusted working days
    (调休上班: weekend days that are working days)."""

    year: int
    source: CalendarSource
    holidays: frozenset[date]
    working_days: frozenset[date] = frozenset()
    notice: str = ""
    loaded_at: datetime | None = None

    @property
    def official(self) -> bool:
        """Whether the State Council's arrangement for the year is known (not only the statutory holidays)."""
        return self.source in OFFICIAL_SOURCES

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


def fixed_solar_holidays(year: int) -> frozenset[date]:
    """The statutory holidays on fixed solar dates (全国年节及纪念日放假办法 art. 2: 元旦, 劳动节, 国庆节)."""
    return frozenset(
        {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)}
    )


def _repository_file(year: int) -> YearCalendar | None:
    path = resources.files(_DATA_PACKAGE).joinpath(f"{year}.json")
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return YearCalendar(
        year=year,
        source=CalendarSource.REPOSITORY if data["official"] else CalendarSource.STATUTORY,
        holidays=frozenset(date.fromisoformat(d) for d in data["holidays"]),
        working_days=frozenset(date.fromisoformat(d) for d in data["working_days"]),
        notice=data["source"],
    )


def _library_year(year: int) -> YearCalendar | None:
    try:
        chinese_calendar.is_workday(date(year, 7, 1))
    except NotImplementedError:
        return None
    return YearCalendar(
        year=year,
        source=CalendarSource.LIBRARY,
        holidays=frozenset(d for d in chinese_calendar.holidays if d.year == year),
        working_days=frozenset(d for d in chinese_calendar.workdays if d.year == year),
        notice="chinese_calendar library",
    )


def built_in_year(year: int) -> YearCalendar:
    """A year as the repository and the library know it, without loaded arrangements (sources 2–5)."""
    in_file = _repository_file(year)
    if in_file is not None and in_file.official:
        return in_file
    in_library = _library_year(year)
    if in_library is not None:
        return in_library
    if in_file is not None:
        return in_file
    return YearCalendar(year=year, source=CalendarSource.FIXED_DATES, holidays=fixed_solar_holidays(year))


@dataclass
class OfficialCalendar:
    """The calendar a process computes deadlines on. Loaded arrangements come from the services' databases
    (each runtime refreshes its own `loader`); the most recently loaded arrangement of a year wins."""

    _loaded: dict[str, dict[int, YearCalendar]] = field(default_factory=dict)
    _built_in: dict[int, YearCalendar] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def year(self, year: int) -> YearCalendar:
        """The calendar of `year` from the best source that knows it."""
        with self._lock:
            loaded = [years[year] for years in self._loaded.values() if year in years]
        if loaded:
            return max(loaded, key=lambda y: y.loaded_at or datetime.min)
        if year not in self._built_in:
            self._built_in[year] = built_in_year(year)
        return self._built_in[year]

    def is_working_day(self, day: date) -> bool:
        """Whether courts and banks work on this day (adjusted working weekend days included)."""
        return self.year(day.year).is_working_day(day)

    def replace_loaded(self, loader: str, years: Iterable[YearCalendar]) -> None:
        """Everything `loader` (a service runtime) has loaded, replacing what it had before."""
        snapshot = {y.year: y for y in years}
        with self._lock:
            self._loaded[loader] = snapshot

    def forget(self, loader: str) -> None:
        with self._lock:
            self._loaded.pop(loader, None)


OFFICIAL_CALENDAR = OfficialCalendar()
"""The process's calendar: what the period functions use unless given another."""


@dataclass(frozen=True)
class ArrangementProblem:
    field: str
    message: str


def check_arrangement(year: int, holidays: Iterable[date], working_days: Iterable[date]) -> list[ArrangementProblem]:
    """What is wrong with a year's arrangement as loaded by an administrator (empty when it is sound): every date in
    the year; no day both a holiday and a working day; an adjusted working day is a Saturday or Sunday (a weekday
    is a working day anyway); every statutory holiday of 全国年节及纪念日放假办法 known for the year is a holiday."""
    holidays, working_days = set(holidays), set(working_days)
    problems: list[ArrangementProblem] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        return [ArrangementProblem("year", f"must be between {MIN_YEAR} and {MAX_YEAR}")]
    for name, days in (("holidays", holidays), ("working_days", working_days)):
        outside = sorted(d for d in days if d.year != year)
        if outside:
            problems.append(ArrangementProblem(name, f"dates outside {year}: {', '.join(map(str, outside))}"))
    both = sorted(holidays & working_days)
    if both:
        problems.append(ArrangementProblem("working_days", f"also holidays: {', '.join(map(str, both))}"))
    weekdays = sorted(d for d in working_days if d.weekday() < 5)
    if weekdays:
        problems.append(
            ArrangementProblem(
                "working_days", f"adjusted working days are weekend days; not: {', '.join(map(str, weekdays))}"
            )
        )
    statutory = set(fixed_solar_holidays(year))
    in_file = _repository_file(year)
    if in_file is not None and not in_file.official:  # a file of statutory holidays only (no bridging days)
        statutory |= in_file.holidays
    missing = sorted(statutory - holidays)
    if missing:
        problems.append(ArrangementProblem("holidays", f"statutory holidays missing: {', '.join(map(str, missing))}"))
    return problems
