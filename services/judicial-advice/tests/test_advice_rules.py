"""Judicial advice's pure rules: numbers, reply deadlines in months, the life's transitions, the rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on
from judicial_advice.rules import (
    AdviceStatus,
    advice_number,
    can_transition,
    reminders,
    reply_deadline,
    reply_figures,
)


def test_the_number_follows_the_spc_format() -> None:
    assert advice_number("吉", 2026, 3) == "吉法建〔2026〕3号"


def _beijing(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI).astimezone(UTC)


# The reply deadline in months from delivery (SPC provisions on judicial advice, 2023), counted per Civil Code arts.
# 201–203: (delivered at, months, last day, why).
REPLY_DEADLINES = [
    (_beijing(2025, 12, 31), 2, date(2026, 2, 28), "no 31 Feb: the 28th, an adjusted working Saturday"),
    (_beijing(2025, 12, 22), 2, date(2026, 2, 24), "22 Feb is in the Spring Festival holiday (15–23 Feb): 24 Feb"),
    (_beijing(2026, 3, 2), 2, date(2026, 5, 6), "2 May falls in the Labour Day holiday (1–5 May): 6 May"),
    (_beijing(2026, 3, 2, 23), 2, date(2026, 5, 6), "delivered late in the evening: the same"),
    (_beijing(2026, 3, 31), 2, date(2026, 6, 1), "31 May is a Sunday: 1 June"),
    (_beijing(2026, 4, 30), 1, date(2026, 6, 1), "30 May is a Saturday: 1 June"),
    (_beijing(2026, 9, 10), 3, date(2026, 12, 10), "the corresponding day, a Thursday"),
    (_beijing(2026, 11, 1), 2, date(2027, 1, 4), "1 Jan 2027, a statutory holiday, then the weekend"),
]


@pytest.mark.parametrize(
    ("delivered", "months", "last_day", "why"), REPLY_DEADLINES, ids=[r[-1] for r in REPLY_DEADLINES]
)
def test_the_reply_deadline_is_the_corresponding_day_moved_off_rest_days(
    delivered: datetime, months: int, last_day: date, why: str
) -> None:
    deadline = reply_deadline(delivered, months)
    assert deadline == datetime.combine(last_day + timedelta(days=1), time(0), SHANGHAI), why
    assert ends_on(deadline) == last_day


def test_reminders_go_out_on_working_days_a_week_before_and_after() -> None:
    deadline = reply_deadline(_beijing(2026, 3, 2), 2)  # ends on Wednesday 6 May
    (before, _), (after, _) = reminders(deadline)
    assert before == datetime(2026, 4, 29, tzinfo=SHANGHAI)  # Wednesday 29 April
    assert after == datetime(2026, 5, 13, tzinfo=SHANGHAI)  # Wednesday 13 May
    (before, _), (after, _) = reminders(reply_deadline(_beijing(2026, 8, 10), 2))  # ends on Saturday 10 Oct (worked)
    assert before == datetime(2026, 9, 30, tzinfo=SHANGHAI)  # 3 Oct is a holiday: the working day before it
    assert after == datetime(2026, 10, 19, tzinfo=SHANGHAI)  # 17 Oct is a Saturday: Monday 19 Oct


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
