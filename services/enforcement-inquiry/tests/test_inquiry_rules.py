"""The pure rules of enforcement inquiry: service level, masking, the recoverable estimate, turnaround."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from enforcement_inquiry.rules import (
    AccountFigure,
    InquiryStatus,
    can_transition,
    mask_account,
    recoverable_estimate,
    service_level_due,
    turnaround,
)

SENT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_the_service_level_is_seven_days_or_three_when_urgent_and_configurable() -> None:
    assert service_level_due(SENT, urgent=False) == SENT + timedelta(days=7)
    assert service_level_due(SENT, urgent=True) == SENT + timedelta(days=3)
    assert service_level_due(SENT, urgent=False, days=10, urgent_days=2) == SENT + timedelta(days=10)


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
