"""Judicial advice's pure rules: numbers, reply deadlines in months, the life's transitions, the rates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from courtlink_shared.clock import SHANGHAI
from judicial_advice.rules import AdviceStatus, add_months, advice_number, can_transition, reply_figures


def test_the_number_follows_the_spc_format() -> None:
    assert advice_number("吉", 2026, 3) == "吉法建〔2026〕3号"


def test_two_months_from_delivery_clamps_to_the_end_of_a_shorter_month() -> None:
    delivered = datetime(2025, 12, 31, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
    assert add_months(delivered, 2).astimezone(SHANGHAI) == datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI)


def test_only_the_prescribed_order_of_steps_is_possible() -> None:
    assert not can_transition(AdviceStatus.DRAFT, AdviceStatus.ISSUED)
    assert not can_transition(AdviceStatus.ISSUED, AdviceStatus.REPLIED)
    assert can_transition(AdviceStatus.RETURNED, AdviceStatus.SUBMITTED)
    assert not any(can_transition(AdviceStatus.ARCHIVED, s) for s in AdviceStatus)


def test_rates_follow_domain_definitions() -> None:
    figures = reply_figures(issued=10, delivered=9, due_or_replied=8, replied=6, on_time=3, adopted=4)
    assert (figures.reply_rate, figures.on_time_rate, figures.adoption_rate) == (
        Decimal("0.7500"),
        Decimal("0.5000"),
        Decimal("0.6667"),
    )
