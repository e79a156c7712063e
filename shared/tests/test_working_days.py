"""Working days follow the official calendar: public holidays off, adjusted working weekends on."""

from __future__ import annotations

from datetime import UTC, date, datetime

from courtlink_shared.deadlines.working_days import add_working_days, is_working_day, working_days_deadline


def test_national_day_holiday_is_skipped_and_the_adjusted_saturday_counts() -> None:
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked in exchange for the Golden Week
    # From Wednesday 30 September: 1–7 October are off, the 8th is the first working day.
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_plain_weekend_is_skipped() -> None:
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday -> Monday


def test_deadline_is_midnight_beijing_time_after_the_last_working_day() -> None:
    start = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)  # 04:00 on Friday 20 November in Beijing
    assert working_days_deadline(start, 3) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
