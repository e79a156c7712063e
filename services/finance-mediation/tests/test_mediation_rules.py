"""The assignment policy over random rosters, the mediation period, working-day deadlines, confirmation limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on
from finance_mediation.rules import (
    CaseStatus,
    Extension,
    LeastLoaded,
    MediatorLoad,
    accept_by,
    assign_by,
    can_transition,
    choose_mediator,
    confirmation_deadlines,
    confirmation_flags,
    days_of,
    eligible,
    extension_given_on,
    holders,
    instalments_add_up,
    mediation_due,
    microseconds_between,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

TYPES = ["信用卡纠纷", "金融借款合同纠纷", "保证合同纠纷"]
BANKS = ["B1", "B2", "B3"]
# Each court's roster of mediation organisations: C3 has none, so its cases find nobody.
SERVING = {"C1": frozenset({"O1"}), "C2": frozenset({"O1", "O2"}), "C3": frozenset()}

mediators = st.builds(
    MediatorLoad,
    id=st.text(alphabet="abcdef", min_size=1, max_size=4),
    organisation_code=st.sampled_from(["O1", "O2"]),
    specialties=st.frozensets(st.sampled_from(TYPES), max_size=3),
    capacity=st.integers(min_value=1, max_value=5),
    active_cases=st.integers(min_value=0, max_value=6),
    affiliations=st.frozensets(st.sampled_from(BANKS), max_size=2),
    available=st.booleans(),
)


@given(st.lists(mediators, max_size=12), st.sampled_from(TYPES), st.sampled_from(BANKS), st.sampled_from(list(SERVING)))
def test_no_case_goes_to_a_mediator_over_capacity_affiliated_with_the_claimant_or_off_the_courts_roster(
    roster: list[MediatorLoad], dispute_type: str, claimant: str, court: str
) -> None:
    serving = SERVING[court]
    chosen = choose_mediator(roster, dispute_type=dispute_type, claimant_code=claimant, serving=serving)
    candidates = [m for m in roster if eligible(m, dispute_type=dispute_type, claimant_code=claimant, serving=serving)]
    if chosen is None:
        assert candidates == []
        return
    assert chosen.organisation_code in serving
    assert chosen.active_cases < chosen.capacity
    assert claimant not in chosen.affiliations
    assert dispute_type in chosen.specialties
    assert chosen.available
    load = Decimal(chosen.active_cases) / chosen.capacity
    assert all(load <= Decimal(m.active_cases) / m.capacity for m in candidates), "the least loaded is chosen"


@given(st.lists(mediators, min_size=1, max_size=8), st.sampled_from(TYPES), st.sampled_from(BANKS))
def test_a_mediator_who_declined_is_never_chosen_again(
    roster: list[MediatorLoad], dispute_type: str, bank: str
) -> None:
    excluded = {roster[0].id}
    chosen = choose_mediator(
        roster, dispute_type=dispute_type, claimant_code=bank, serving=SERVING["C2"], excluded=excluded
    )
    assert chosen is None or chosen.id not in excluded


@settings(max_examples=500)  # a wrong choice needs a mediator shared by two queues and loaded through the other
@given(
    st.lists(mediators, max_size=12, unique_by=lambda m: m.id),
    st.lists(st.tuples(st.sampled_from(list(SERVING)), st.sampled_from(TYPES), st.sampled_from(BANKS)), max_size=40),
)
@example(  # X is loaded through the second queue while the first still ranks X by its earlier load
    [
        MediatorLoad("X", "O1", frozenset(TYPES[:2]), 4, 0, frozenset()),
        MediatorLoad("Y", "O1", frozenset(TYPES[:1]), 4, 0, frozenset()),
    ],
    [("C1", TYPES[0], "B1"), ("C1", TYPES[1], "B1"), ("C1", TYPES[0], "B1"), ("C1", TYPES[0], "B1")],
)
def test_a_burst_of_new_cases_gets_the_same_mediators_as_choosing_one_case_at_a_time(
    roster: list[MediatorLoad], cases: list[tuple[str, str, str]]
) -> None:
    one_at_a_time = {m.id: m for m in roster}
    in_turn = LeastLoaded({m.id: m for m in roster}, SERVING)
    for court, dispute_type, bank in cases:
        expected = choose_mediator(
            list(one_at_a_time.values()), dispute_type=dispute_type, claimant_code=bank, serving=SERVING[court]
        )
        if expected is not None:
            one_at_a_time[expected.id] = replace(expected, active_cases=expected.active_cases + 1)
        assert in_turn.take(court_code=court, dispute_type=dispute_type, claimant_code=bank) == expected
    assert in_turn.loads == one_at_a_time, "every case is counted against its mediator"


def test_acceptance_is_due_after_three_working_days_skipping_the_holiday_and_counting_the_adjusted_saturday() -> None:
    assigned = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)  # Wednesday before National Day
    # working days after 30 Sep: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (the adjusted working Saturday)
    assert accept_by(assigned).astimezone(SHANGHAI) == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)


def _beijing(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


# Mediation period (SPC provisions on specially invited mediation, 2016), counted per CPL art. 85 / Civil Code
# arts. 201–203: (accepted at, extension days, time suspended, the last day, why).
PERIODS = [
    (_beijing(2026, 11, 2), 0, timedelta(0), date(2026, 12, 2), "30 days, the acceptance day not counted"),
    (_beijing(2026, 11, 2, 23), 0, timedelta(0), date(2026, 12, 2), "accepted late in the evening: the same"),
    (_beijing(2026, 11, 2), 15, timedelta(0), date(2026, 12, 17), "a consented 15-day extension"),
    (_beijing(2026, 11, 2), 0, timedelta(days=4, hours=3), date(2026, 12, 7), "suspended 4 days: 6 Dec is a Sunday"),
    (_beijing(2026, 11, 2), 0, timedelta(hours=14), date(2026, 12, 3), "suspended past midnight: one day later"),
    (_beijing(2026, 9, 2), 0, timedelta(0), date(2026, 10, 8), "2 Oct falls in National Day: 8 Oct"),
    (_beijing(2026, 8, 31), 0, timedelta(0), date(2026, 9, 30), "30 Sep is a working Wednesday"),
    (_beijing(2026, 12, 2), 0, timedelta(0), date(2027, 1, 4), "1 Jan 2027 is a statutory holiday, then a weekend"),
]


@pytest.mark.parametrize(
    ("accepted", "extension", "suspended", "last_day", "why"), PERIODS, ids=[p[-1] for p in PERIODS]
)
def test_the_mediation_period_ends_at_24_00_beijing_time_of_its_last_day(
    accepted: datetime, extension: int, suspended: timedelta, last_day: date, why: str
) -> None:
    due = mediation_due(accepted, extension_days=extension, suspended=suspended)
    assert due.astimezone(SHANGHAI) == datetime.combine(last_day + timedelta(days=1), time(0), SHANGHAI), why
    assert ends_on(due) == last_day


def test_the_court_assigns_within_three_working_days() -> None:
    assert ends_on(assign_by(_beijing(2026, 12, 31))) == date(2027, 1, 6)  # 1 Jan 2027 off, then the weekend


def test_confirmation_periods_end_on_working_days() -> None:
    """CPL 2023 arts. 205–206: apply within 30 days, accept within 3, decide within 15 (+10)."""
    ends = confirmation_deadlines(
        agreement_effective_at=_beijing(2026, 9, 1),
        requested_at=_beijing(2026, 9, 30),
        accepted_at=_beijing(2026, 10, 8),
        decision_extended=False,
    )
    assert {k: ends_on(v) for k, v in ends.items()} == {
        "confirmation_apply_by": date(2026, 10, 8),  # 1 Oct is National Day
        "confirmation_accept_by": date(2026, 10, 8),  # 3 Oct too
        "confirmation_decide_by": date(2026, 10, 23),
    }
    extended = confirmation_deadlines(
        agreement_effective_at=None, requested_at=None, accepted_at=_beijing(2026, 10, 8), decision_extended=True
    )
    assert ends_on(extended["confirmation_decide_by"]) == date(2026, 11, 2)  # 25 days


def test_closed_cases_never_move_again() -> None:
    for closed in (CaseStatus.SETTLED, CaseStatus.FAILED, CaseStatus.WITHDRAWN):
        assert not any(can_transition(closed, target) for target in CaseStatus)


def test_a_consent_is_given_to_one_extension_whatever_the_offset_it_is_written_with() -> None:
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    earlier = [Extension(days=10, consents=frozenset({("bank", monday), ("debtor", monday)}))]
    same_moment_in_utc = monday.astimezone(UTC)
    assert extension_given_on(frozenset({("bank", same_moment_in_utc), ("debtor", monday)}), earlier) == earlier[0]
    one_reused = frozenset({("bank", monday), ("debtor", monday + timedelta(days=20))})
    assert extension_given_on(one_reused, earlier) == earlier[0]
    both_new = frozenset({("bank", monday + timedelta(days=20)), ("debtor", monday + timedelta(days=20))})
    assert extension_given_on(both_new, earlier) is None
    assert extension_given_on(both_new, []) is None


def test_instalments_must_add_up() -> None:
    assert instalments_add_up(Decimal("900.00"), [Decimal("300.00")] * 3)
    assert not instalments_add_up(Decimal("900.00"), [Decimal("300.00")] * 2)
    assert instalments_add_up(Decimal("900.00"), [])


def test_confirmation_time_limits() -> None:
    effective = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    late = effective + timedelta(days=32)
    assert confirmation_flags(
        now=late,
        agreement_effective_at=effective,
        requested_at=None,
        accepted_at=None,
        decided_at=None,
        decision_extended=False,
    ).application_window_closed
    requested = effective + timedelta(days=5)
    flags = confirmation_flags(
        now=requested + timedelta(days=5),
        agreement_effective_at=effective,
        requested_at=requested,
        accepted_at=None,
        decided_at=None,
        decision_extended=False,
    )
    assert flags.acceptance_overdue
    accepted = requested + timedelta(days=1)
    day_20 = accepted + timedelta(days=20)
    assert confirmation_flags(
        now=day_20,
        agreement_effective_at=effective,
        requested_at=requested,
        accepted_at=accepted,
        decided_at=None,
        decision_extended=False,
    ).decision_overdue
    assert not confirmation_flags(
        now=day_20,
        agreement_effective_at=effective,
        requested_at=requested,
        accepted_at=accepted,
        decided_at=None,
        decision_extended=True,
    ).decision_overdue


class TestWhoCountsACase:
    def test_a_case_waiting_for_a_mediator_is_counted_for_its_court_its_bank_and_its_courts_pool(self) -> None:
        seen = holders(court_code="吉7101", claimant_code="B", status=CaseStatus.OPENED, organisation_code=None)
        assert seen == [("court", "吉7101"), ("bank", "B"), ("pool", "吉7101")]

    def test_a_case_with_a_mediator_is_counted_for_the_mediators_organisation_not_the_pool(self) -> None:
        for status in (CaseStatus.ASSIGNED, CaseStatus.IN_MEDIATION, CaseStatus.SETTLED):
            seen = holders(court_code="吉7101", claimant_code="B", status=status, organisation_code="ORG")
            assert seen == [("court", "吉7101"), ("bank", "B"), ("organisation", "ORG")]

    def test_a_case_closed_from_the_pool_leaves_the_pool(self) -> None:
        seen = holders(court_code="吉7101", claimant_code="B", status=CaseStatus.WITHDRAWN, organisation_code=None)
        assert seen == [("court", "吉7101"), ("bank", "B")]

    @given(st.datetimes(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    def test_microseconds_are_exact_and_their_sum_gives_days_in_one_rounding(
        self, start: datetime, taken: timedelta
    ) -> None:
        microseconds = microseconds_between(start, start + taken)
        assert timedelta(microseconds=microseconds) == taken
        assert days_of(microseconds) == taken / timedelta(days=1)
