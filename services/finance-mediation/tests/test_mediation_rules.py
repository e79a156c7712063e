"""The assignment policy over random rosters, the mediation period, working-day deadlines, confirmation limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from courtlink_shared.clock import SHANGHAI
from finance_mediation.rules import (
    CaseStatus,
    MediatorLoad,
    accept_by,
    can_transition,
    choose_mediator,
    confirmation_flags,
    eligible,
    instalments_add_up,
    mediation_due,
)
from hypothesis import given
from hypothesis import strategies as st

TYPES = ["信用卡纠纷", "金融借款合同纠纷", "保证合同纠纷"]
BANKS = ["B1", "B2", "B3"]

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


@given(st.lists(mediators, max_size=12), st.sampled_from(TYPES), st.sampled_from(BANKS))
def test_no_case_goes_to_a_mediator_over_capacity_or_affiliated_with_the_claimant(
    roster: list[MediatorLoad], dispute_type: str, claimant: str
) -> None:
    chosen = choose_mediator(roster, dispute_type=dispute_type, claimant_code=claimant)
    candidates = [m for m in roster if eligible(m, dispute_type=dispute_type, claimant_code=claimant)]
    if chosen is None:
        assert candidates == []
        return
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
    chosen = choose_mediator(roster, dispute_type=dispute_type, claimant_code=bank, excluded=excluded)
    assert chosen is None or chosen.id not in excluded


def test_acceptance_is_due_after_three_working_days_skipping_the_holiday_and_counting_the_adjusted_saturday() -> None:
    assigned = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)  # Wednesday before National Day
    # working days after 30 Sep: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (the adjusted working Saturday)
    assert accept_by(assigned).astimezone(SHANGHAI) == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)


def test_the_period_is_thirty_days_plus_extensions_plus_suspension() -> None:
    accepted = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 November in Beijing
    base = mediation_due(accepted)
    assert base.astimezone(SHANGHAI) == datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI)
    assert mediation_due(accepted, extension_days=15) == base + timedelta(days=15)
    assert mediation_due(accepted, suspended=timedelta(days=4, hours=3)) == base + timedelta(days=4, hours=3)


def test_closed_cases_never_move_again() -> None:
    for closed in (CaseStatus.SETTLED, CaseStatus.FAILED, CaseStatus.WITHDRAWN):
        assert not any(can_transition(closed, target) for target in CaseStatus)


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
