"""The pure rules of enforcement inquiry: service level, masking, the recoverable estimate, turnaround."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on
from enforcement_inquiry.rules import (
    MICROSECONDS_A_DAY,
    AccountFigure,
    InquiryStatus,
    can_transition,
    days_taken,
    mask_account,
    middle_positions,
    recoverable_estimate,
    service_level_due,
    turnaround,
    turnaround_us,
)
from hypothesis import given
from hypothesis import strategies as st

SENT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _beijing(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


# The service level (7 days, 3 if urgent), counted per CPL art. 85 / Civil Code arts. 201–203:
# (sent at, urgent, days, urgent days, last day, why).
SERVICE_LEVELS = [
    (SENT, False, 7, 3, date(2026, 3, 9), "Monday 2 March + 7: Monday 9 March"),
    (SENT, True, 7, 3, date(2026, 3, 5), "urgent: Thursday 5 March"),
    (SENT, False, 10, 2, date(2026, 3, 12), "configured: 10 days"),
    (_beijing(2026, 3, 2, 23), True, 7, 3, date(2026, 3, 5), "sent at 23:00 Beijing time: the day is not counted"),
    (_beijing(2026, 11, 26), False, 7, 3, date(2026, 12, 3), "Thursday + 7"),
    (_beijing(2026, 11, 25), True, 7, 3, date(2026, 11, 30), "urgent, ending on Saturday 28 Nov: Monday 30 Nov"),
    (_beijing(2026, 9, 27), False, 7, 3, date(2026, 10, 8), "4 Oct is National Day: 8 Oct"),
    (_beijing(2026, 12, 29), True, 7, 3, date(2027, 1, 4), "1 Jan 2027 is a statutory holiday, then the weekend"),
]


@pytest.mark.parametrize(
    ("sent", "urgent", "days", "urgent_days", "last_day", "why"), SERVICE_LEVELS, ids=[s[-1] for s in SERVICE_LEVELS]
)
def test_the_service_level_is_seven_days_or_three_when_urgent_to_24_00_of_a_working_day(
    sent: datetime, urgent: bool, days: int, urgent_days: int, last_day: date, why: str
) -> None:
    due = service_level_due(sent, urgent=urgent, days=days, urgent_days=urgent_days)
    assert due == datetime.combine(last_day + timedelta(days=1), time(0), SHANGHAI), why
    assert ends_on(due) == last_day


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("6222021234567890123", "6222***********0123"),
        ("6222 0212 3456 7890", "6222********7890"),
        ("12345678", "1234****5678"),  # a short number still hides something
    ],
)
def test_only_the_first_and_last_four_digits_of_an_account_are_kept(number: str, masked: str) -> None:
    assert mask_account(number) == masked


def test_the_estimate_counts_what_existing_freezes_leave_and_never_exceeds_the_claim() -> None:
    accounts = [
        AccountFigure(balance=Decimal("30000.00"), frozen=Decimal("5000.00")),
        AccountFigure(balance=Decimal("1000.00"), frozen=Decimal("4000.00")),  # frozen beyond its balance: 0
    ]
    assert recoverable_estimate(Decimal("100000.00"), accounts) == Decimal("25000.00")
    assert recoverable_estimate(Decimal("20000.00"), accounts) == Decimal("20000.00")
    assert recoverable_estimate(Decimal("100000.00"), []) == Decimal("0.00")


def test_turnaround_is_the_median_and_the_share_advised_by_the_deadline() -> None:
    figures = turnaround([(timedelta(hours=10), True), (timedelta(hours=30), True), (timedelta(days=9), False)])
    assert (figures.advised, figures.within_service_level) == (3, 2)
    assert figures.median_hours == Decimal("30.0")
    assert figures.share_within_service_level == Decimal("0.6667")
    assert turnaround([]).median_hours is None


def test_an_inquiry_goes_submitted_accepted_advised_acknowledged_and_never_back() -> None:
    path = [InquiryStatus.SUBMITTED, InquiryStatus.ACCEPTED, InquiryStatus.ADVISED, InquiryStatus.ACKNOWLEDGED]
    for current, target in itertools.pairwise(path):
        assert can_transition(current, target)
    assert not can_transition(InquiryStatus.SUBMITTED, InquiryStatus.ADVISED)
    assert not can_transition(InquiryStatus.ADVISED, InquiryStatus.ACCEPTED)


def test_a_turnaround_is_kept_to_the_microsecond_and_counted_in_whole_days() -> None:
    advised = SENT + timedelta(days=1, hours=23, minutes=59, seconds=59, microseconds=999_999)
    assert turnaround_us(SENT, advised) == 2 * MICROSECONDS_A_DAY - 1
    assert days_taken(turnaround_us(SENT, advised)) == 1
    assert days_taken(turnaround_us(SENT, advised + timedelta(microseconds=1))) == 2


def test_the_middle_of_a_histogram_is_one_value_for_an_odd_count_and_two_for_an_even_one() -> None:
    assert middle_positions({0: 1, 1: 2, 3: 2}) == [(1, 1)]  # the third of five: the second in bucket 1
    assert middle_positions({3: 2, 0: 2}) == [(0, 1), (3, 0)]  # the second and the third, in two buckets
    assert middle_positions({2: 4}) == [(2, 1), (2, 2)]
    assert middle_positions({}) == []


@given(st.lists(st.integers(min_value=0, max_value=30 * MICROSECONDS_A_DAY), max_size=60))
def test_the_values_at_the_middle_positions_are_the_sorted_values_middle_ones(values: list[int]) -> None:
    buckets: dict[int, list[int]] = {}
    for value in values:
        buckets.setdefault(days_taken(value), []).append(value)
    histogram = {bucket: len(found) for bucket, found in buckets.items()}
    picked = [sorted(buckets[bucket])[position] for bucket, position in middle_positions(histogram)]
    ordered = sorted(values)
    middle = sorted({(len(values) - 1) // 2, len(values) // 2}) if values else []
    assert picked == [ordered[i] for i in middle]
