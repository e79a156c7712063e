"""Periods counted as Civil Procedure Law art. 85 and Civil Code arts. 200–204 count them, on the official calendar."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import pytest
from borax.calendars.lunardate import LunarDate, TermUtils
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.calendar import (
    CalendarSource,
    OfficialCalendar,
    YearCalendar,
    built_in_year,
    check_arrangement,
)
from courtlink_shared.deadlines.periods import Unit, deadline_warnings, end_of_day, ends_on, period_end
from hypothesis import given
from hypothesis import strategies as st


def beijing(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


# (start in Beijing, amount, unit, the last day the law gives, why)
TABLE = [
    (beijing(2026, 11, 2), 30, Unit.DAYS, date(2026, 12, 2), "start day not counted: 2 Nov + 30 days is a Wednesday"),
    (beijing(2026, 11, 2, 0), 30, Unit.DAYS, date(2026, 12, 2), "even when started at 00:00"),
    (beijing(2026, 11, 2, 23), 30, Unit.DAYS, date(2026, 12, 2), "or at 23:00 Beijing time (15:00 UTC)"),
    (beijing(2026, 11, 4), 3, Unit.DAYS, date(2026, 11, 9), "Saturday 7 Nov is a rest day: Monday the 9th"),
    (beijing(2026, 9, 20), 15, Unit.DAYS, date(2026, 10, 8), "5 Oct falls in National Day: the 8th"),
    (beijing(2026, 9, 25), 15, Unit.DAYS, date(2026, 10, 10), "10 Oct is an adjusted working Saturday"),
    (beijing(2026, 1, 31), 1, Unit.MONTHS, date(2026, 2, 28), "no 31 Feb: the 28th, an adjusted working Saturday"),
    (beijing(2026, 3, 31), 2, Unit.MONTHS, date(2026, 6, 1), "31 May is a Sunday: 1 June"),
    (beijing(2023, 3, 31), 1, Unit.MONTHS, date(2023, 5, 4), "no 31 April: the 30th, a Sunday, then Labour Day"),
    (beijing(2026, 7, 31), 2, Unit.MONTHS, date(2026, 9, 30), "September has no 31st: its last day, a Wednesday"),
    (beijing(2026, 11, 30), 2, Unit.MONTHS, date(2027, 2, 1), "30 January 2027 is a Saturday: 1 February"),
    (beijing(2027, 11, 29), 3, Unit.MONTHS, date(2028, 2, 29), "a leap year's 29 February is the corresponding day"),
    (beijing(2026, 10, 26), 2, Unit.MONTHS, date(2026, 12, 28), "26 Dec is a Saturday: Monday the 28th"),
    (beijing(2025, 12, 1), 1, Unit.YEARS, date(2026, 12, 1), "a year: the corresponding day"),
    (beijing(2026, 9, 30), 1, Unit.WORKING_DAYS, date(2026, 10, 8), "1–7 October off"),
    (beijing(2026, 9, 30), 3, Unit.WORKING_DAYS, date(2026, 10, 10), "the adjusted Saturday counts"),
    (beijing(2026, 11, 20), 3, Unit.WORKING_DAYS, date(2026, 11, 25), "Friday + 3 working days"),
    (beijing(2026, 12, 30), 1, Unit.WORKING_DAYS, date(2026, 12, 31), "the last day of the library's data"),
    (beijing(2026, 12, 31), 1, Unit.WORKING_DAYS, date(2027, 1, 4), "1 January 2027 is a statutory holiday"),
    (beijing(2027, 2, 3), 2, Unit.WORKING_DAYS, date(2027, 2, 9), "Spring Festival eve 5 Feb and 6–8 Feb off"),
    (beijing(2027, 1, 27), 10, Unit.DAYS, date(2027, 2, 9), "6 Feb is Spring Festival: the 9th"),
]


@pytest.mark.parametrize(("start", "amount", "unit", "last_day", "why"), TABLE, ids=[row[-1] for row in TABLE])
def test_period_ends_where_the_law_says(start: datetime, amount: int, unit: Unit, last_day: date, why: str) -> None:
    end = period_end(start, amount, unit, calendar=OfficialCalendar())
    assert end.last_day == last_day, why
    assert end.ends_at == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), SHANGHAI)
    assert end.ends_at.tzinfo is UTC
    assert ends_on(end.ends_at) == last_day


def test_a_period_through_a_year_with_no_arrangement_warns_and_is_counted_on_the_statutory_holidays() -> None:
    end = period_end(beijing(2026, 12, 31), 1, Unit.WORKING_DAYS, calendar=OfficialCalendar())
    assert end.provisional_years == {2027}
    assert end.warning is not None
    assert "2027" in end.warning
    assert period_end(beijing(2026, 11, 2), 30, Unit.DAYS, calendar=OfficialCalendar()).warning is None


def test_a_year_beyond_the_repository_uses_the_solar_date_holidays() -> None:
    year = built_in_year(2031)
    assert year.source is CalendarSource.FIXED_DATES
    assert not year.official
    assert not year.is_working_day(date(2031, 10, 2))  # a Thursday, National Day
    end = period_end(beijing(2031, 4, 30), 1, Unit.WORKING_DAYS, calendar=OfficialCalendar())
    assert end.last_day == date(2031, 5, 5)
    assert end.provisional_years == {2031}


def test_a_loaded_arrangement_replaces_the_statutory_holidays_and_adds_adjusted_working_days() -> None:
    cal = OfficialCalendar()
    statutory = built_in_year(2027).holidays
    bridge = {date(2027, 2, 4), date(2027, 2, 9), date(2027, 2, 10)}
    cal.replace_loaded(
        "test",
        [YearCalendar(2027, CalendarSource.LOADED, statutory | bridge, frozenset({date(2027, 2, 13)}), "notice", None)],
    )
    end = period_end(beijing(2027, 2, 3), 3, Unit.WORKING_DAYS, calendar=cal)
    assert end.last_day == date(2027, 2, 13)
    assert end.warning is None
    assert deadline_warnings(end.ends_at, calendar=cal) is None
    assert deadline_warnings(end.ends_at, calendar=OfficialCalendar()) == (
        "2027: no holiday arrangement published yet; counted on the statutory holidays only",
        "2027年节假日安排尚未公布，按法定节假日计算",
    )


def test_the_2027_file_has_the_statutory_holidays_computed_from_the_lunar_calendar() -> None:
    """全国年节及纪念日放假办法 (2024) art. 2, checked against borax's lunar calendar and solar terms."""
    data = json.loads(resources.files("courtlink_shared.deadlines.calendar_data").joinpath("2027.json").read_text())
    new_year = LunarDate(2027, 1, 1).to_solar_date()
    expected = {
        date(2027, 1, 1),
        *(new_year + timedelta(days=i) for i in (-1, 0, 1, 2)),
        TermUtils.day_start_from_term(2027, "清明"),
        date(2027, 5, 1),
        date(2027, 5, 2),
        LunarDate(2027, 5, 5).to_solar_date(),
        LunarDate(2027, 8, 15).to_solar_date(),
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
    }
    assert {date.fromisoformat(d) for d in data["holidays"]} == expected
    assert len(expected) == 13
    assert data["working_days"] == {}
    assert data["official"] is False


def test_the_lunar_check_agrees_with_the_library_for_2026() -> None:
    new_year = LunarDate(2026, 1, 1).to_solar_date()
    library = built_in_year(2026).holidays
    for day in (
        new_year - timedelta(days=1),
        LunarDate(2026, 5, 5).to_solar_date(),
        LunarDate(2026, 8, 15).to_solar_date(),
    ):
        assert day in library


def test_an_arrangement_is_checked_field_by_field() -> None:
    statutory = built_in_year(2027).holidays
    assert check_arrangement(2027, statutory, {date(2027, 2, 20)}) == []
    problems = {
        p.field: p.message for p in check_arrangement(2027, statutory - {date(2027, 2, 6)}, {date(2027, 2, 22)})
    }
    assert "2027-02-06" in problems["holidays"]
    assert "2027-02-22" in problems["working_days"]  # a Monday cannot be an adjusted working day
    problems = {p.field: p.message for p in check_arrangement(2027, statutory | {date(2028, 1, 1)}, ())}
    assert "2028-01-01" in problems["holidays"]
    assert check_arrangement(1999, (), ())[0].field == "year"


def test_a_period_shorter_than_one_unit_or_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        period_end(beijing(2026, 1, 5), 0, Unit.DAYS)
    with pytest.raises(ValueError, match="timezone-aware"):
        period_end(datetime(2026, 1, 5), 1, Unit.DAYS)


# --- properties ---------------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC))
units = st.sampled_from(list(Unit))
amounts = st.integers(min_value=1, max_value=40)
CAL = OfficialCalendar()


@given(instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), amounts, units)
def test_a_later_start_never_ends_earlier(start: datetime, later: timedelta, amount: int, unit: Unit) -> None:
    if unit in (Unit.MONTHS, Unit.YEARS):
        amount = min(amount, 14)
    assert (
        period_end(start, amount, unit, calendar=CAL).ends_at
        <= period_end(start + later, amount, unit, calendar=CAL).ends_at
    )


@given(instants, amounts, units)
def test_a_period_never_ends_on_a_rest_day_nor_before_its_length(start: datetime, amount: int, unit: Unit) -> None:
    if unit in (Unit.MONTHS, Unit.YEARS):
        amount = min(amount, 14)
    end = period_end(start, amount, unit, calendar=CAL)
    assert CAL.is_working_day(end.last_day)
    assert end.ends_at == end_of_day(end.last_day)
    assert end.ends_at > start
    first = start.astimezone(SHANGHAI).date()
    assert end.last_day >= first + timedelta(days=amount if unit is not Unit.YEARS else 365)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 6, 30)), st.integers(min_value=1, max_value=24))
def test_months_end_on_the_corresponding_day_or_the_months_last_day(day: date, months: int) -> None:
    end = period_end(datetime.combine(day, datetime.min.time(), SHANGHAI), months, Unit.MONTHS, calendar=CAL)
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    nominal = next(date(year, month, d) for d in (day.day, 30, 29, 28) if _exists(year, month, d))
    # The nominal last day, or the first working day after the rest days that follow it.
    assert end.last_day >= nominal
    assert all(not CAL.is_working_day(nominal + timedelta(days=i)) for i in range((end.last_day - nominal).days))


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@given(instants, st.integers(min_value=1, max_value=30))
def test_a_working_day_period_counts_exactly_its_working_days(start: datetime, amount: int) -> None:
    end = period_end(start, amount, Unit.WORKING_DAYS, calendar=CAL)
    first = start.astimezone(SHANGHAI).date()
    days = [first + timedelta(days=i) for i in range(1, (end.last_day - first).days + 1)]
    assert sum(CAL.is_working_day(d) for d in days) == amount
