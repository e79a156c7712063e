"""Finance-mediation's pure rules: the assignment policy, the mediation period and its deadlines, the case
status machine, and the judicial-confirmation time limits (DOMAIN.md). No I/O."""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from courtlink_shared.deadlines.periods import Unit, period_end
from courtlink_shared.figures import rate

MEDIATION_DAYS = 30
ASSIGN_WITHIN_WORKING_DAYS = 3
ACCEPT_WITHIN_WORKING_DAYS = 3
CONFIRMATION_APPLY_DAYS = 30
CONFIRMATION_ACCEPT_DAYS = 3
CONFIRMATION_DECIDE_DAYS = 15
CONFIRMATION_EXTENSION_DAYS = 10


class CaseStatus(StrEnum):
    OPENED = "opened"  # waiting for a mediator
    ASSIGNED = "assigned"  # waiting for the mediator to accept
    IN_MEDIATION = "in_mediation"  # accepted: the 30-day period runs
    SUSPENDED = "suspended"  # appraisal or valuation: the period stands still
    AWAITING_SIGNATURES = "awaiting_signatures"  # agreement drafted, not every party signed yet
    SETTLED = "settled"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset({CaseStatus.SETTLED, CaseStatus.FAILED, CaseStatus.WITHDRAWN})
ACTIVE = frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_MEDIATION, CaseStatus.SUSPENDED, CaseStatus.AWAITING_SIGNATURES})

_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPENED: frozenset({CaseStatus.ASSIGNED, CaseStatus.WITHDRAWN}),
    CaseStatus.ASSIGNED: frozenset(
        {CaseStatus.ASSIGNED, CaseStatus.OPENED, CaseStatus.IN_MEDIATION, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.IN_MEDIATION: frozenset(
        {CaseStatus.SUSPENDED, CaseStatus.AWAITING_SIGNATURES, CaseStatus.FAILED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.SUSPENDED: frozenset({CaseStatus.IN_MEDIATION, CaseStatus.FAILED, CaseStatus.WITHDRAWN}),
    CaseStatus.AWAITING_SIGNATURES: frozenset({CaseStatus.SETTLED, CaseStatus.FAILED, CaseStatus.WITHDRAWN}),
}


def load_change(before: tuple[str | None, CaseStatus], after: tuple[str | None, CaseStatus]) -> dict[str, int]:
    """How a case going from (mediator, status) `before` to `after` changes its mediators' counts of active cases
    (a case counts for its mediator while its status is ACTIVE)."""
    change: dict[str, int] = {}
    for (mediator_id, status), sign in ((before, -1), (after, 1)):
        if mediator_id is not None and status in ACTIVE:
            change[mediator_id] = change.get(mediator_id, 0) + sign
    return {mediator_id: delta for mediator_id, delta in change.items() if delta}


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether a case in `current` may move to `target`."""
    return target in _TRANSITIONS.get(current, frozenset())


# --- assignment ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediatorLoad:
    """A mediator as the assignment policy sees them."""

    id: str
    organisation_code: str
    specialties: frozenset[str]
    capacity: int
    active_cases: int
    affiliations: frozenset[str]  # credit codes of banks the mediator works for or with
    available: bool = True


def can_take(load: MediatorLoad, *, claimant_code: str) -> bool:
    """The rules no assignment may break, manual ones included: available, under capacity, and never a mediator
    affiliated with the claimant bank."""
    return load.available and load.active_cases < load.capacity and claimant_code not in load.affiliations


def eligible(
    load: MediatorLoad,
    *,
    dispute_type: str,
    claimant_code: str,
    serving: Collection[str],
    excluded: Collection[str] = (),
) -> bool:
    """For automatic assignment, also: the mediator's organisation is on the court's roster (`serving`: the court's
    roster of specially invited organisations, SPC provisions on specially invited mediation, 2016, art. 5), the
    specialty matches, and the mediator has not declined the case before."""
    return (
        can_take(load, claimant_code=claimant_code)
        and load.organisation_code in serving
        and dispute_type in load.specialties
        and load.id not in excluded
    )


def choose_mediator(
    roster: Sequence[MediatorLoad],
    *,
    dispute_type: str,
    claimant_code: str,
    serving: Collection[str],
    excluded: Iterable[str] = (),
) -> MediatorLoad | None:
    """The documented policy: among eligible mediators, the least loaded (fewest active cases relative to
    capacity, then fewest active cases, then id for a stable choice); None when nobody is eligible."""
    excluded = set(excluded)
    candidates = [
        m
        for m in roster
        if eligible(m, dispute_type=dispute_type, claimant_code=claimant_code, serving=serving, excluded=excluded)
    ]
    if not candidates:
        return None
    return min(candidates, key=load_rank)


def load_rank(load: MediatorLoad) -> tuple[float, int, str]:
    """The order of choose_mediator: fewest active cases relative to capacity, then fewest, then id.

    active/capacity as a float orders exactly (and ~10x faster than Decimal): for integers far below 2**26 two
    different ratios differ by more than a float's rounding, and equal ratios round to the same float."""
    return (load.active_cases / load.capacity, load.active_cases, load.id)


class LeastLoaded:
    """choose_mediator for a run of new cases, each counted before the next is chosen: the same choices as calling
    choose_mediator once per case (nobody excluded) and adding the case to the chosen mediator's load, in O(log n)
    a case instead of O(n) — a burst of 10,000 routed disputes against a roster of hundreds.

    One priority queue of eligible mediators per (court, dispute type, claimant bank); `serving` gives each court's
    roster of organisations. `loads` is shared with the caller and kept current; loads only grow while it is in
    use (cases are added, none taken away), so an entry ranked by an older load is ranked too early, never too
    late: it is re-ranked when it reaches the front."""

    def __init__(self, loads: MutableMapping[str, MediatorLoad], serving: Mapping[str, Collection[str]]) -> None:
        self.loads = loads
        self.serving = serving
        self._queues: dict[tuple[str, str, str], list[tuple[tuple[float, int, str], str]]] = {}

    def take(self, *, court_code: str, dispute_type: str, claimant_code: str) -> MediatorLoad | None:
        """The mediator choose_mediator would pick for a new case of the court, now counted with it; None when
        nobody is eligible."""
        queue = self._queue(court_code, dispute_type, claimant_code)
        while queue:
            rank, mediator_id = queue[0]
            load = self.loads[mediator_id]
            if not can_take(load, claimant_code=claimant_code):  # full meanwhile
                heapq.heappop(queue)
            elif load_rank(load) != rank:  # loaded meanwhile through another queue
                heapq.heapreplace(queue, (load_rank(load), mediator_id))
            else:
                taken = replace(load, active_cases=load.active_cases + 1)
                self.loads[mediator_id] = taken
                heapq.heapreplace(queue, (load_rank(taken), mediator_id))
                return load
        return None

    def _queue(
        self, court_code: str, dispute_type: str, claimant_code: str
    ) -> list[tuple[tuple[float, int, str], str]]:
        key = (court_code, dispute_type, claimant_code)
        queue = self._queues.get(key)
        if queue is None:
            serving = self.serving.get(court_code, ())
            queue = [
                (load_rank(load), load.id)
                for load in self.loads.values()
                if eligible(load, dispute_type=dispute_type, claimant_code=claimant_code, serving=serving)
            ]
            heapq.heapify(queue)
            self._queues[key] = queue
        return queue


# --- deadlines -------------------------------------------------------------------------------------------------


def accept_by(assigned_at: datetime) -> datetime:
    """A mediator confirms acceptance within 3 working days of the assignment (SPC provisions on specially invited
    mediation, 2016), counted per CPL art. 85 on the official calendar."""
    return period_end(assigned_at, ACCEPT_WITHIN_WORKING_DAYS, Unit.WORKING_DAYS).ends_at


def assign_by(opened_at: datetime) -> datetime:
    """The court assigns a mediator within 3 working days of opening (same provisions)."""
    return period_end(opened_at, ASSIGN_WITHIN_WORKING_DAYS, Unit.WORKING_DAYS).ends_at


def mediation_due(accepted_at: datetime, *, extension_days: int = 0, suspended: timedelta = timedelta(0)) -> datetime:
    """End of the mediation period: 30 days from acceptance plus the extensions every party consented to (SPC
    provisions on specially invited mediation, 2016), counted per CPL art. 85 / Civil Code arts. 201–203 (start day
    not counted, 24:00 Beijing time, a rest-day last day moves to the next working day). Time suspended for appraisal
    or valuation does not count (online mediation rules, 2022): the count starts that much later."""
    return period_end(accepted_at + suspended, MEDIATION_DAYS + extension_days, Unit.DAYS).ends_at


Consents = frozenset[tuple[str, datetime]]
"""The parties' consents to one extension, each as (party, when it was given)."""


@dataclass(frozen=True)
class Extension:
    """An extension granted earlier: its days and the consents it was granted on."""

    days: int
    consents: Consents


def extension_given_on(consents: Consents, earlier: Iterable[Extension]) -> Extension | None:
    """The earlier extension that any of these consents was already given for, or None. A party's consent is
    given to one extension (SPC provisions on specially invited mediation, 2016): the same consents sent again are
    the same extension, not a second one."""
    return next((extension for extension in earlier if extension.consents & consents), None)


DEADLINE_IN_FORCE: Mapping[CaseStatus, str] = {CaseStatus.OPENED: "assign_by", CaseStatus.ASSIGNED: "accept_by"}
PERIOD_DEADLINE = "due_at"
"""The deadline a case that is not closed works towards, named as the case's field: the court's assignment
(`assign_by`) while opened, the mediator's acceptance (`accept_by`) while assigned, the mediation period (`due_at`)
after that (SPC provisions on specially invited mediation, 2016). Stated once: the queries read it from a case and
order the work queue by it in SQL."""


def deadline_in_force(status: CaseStatus) -> str | None:
    """The field name of the deadline a case in `status` works towards; None once it is closed."""
    return None if status in CLOSED else DEADLINE_IN_FORCE.get(status, PERIOD_DEADLINE)


def case_overdue(status: CaseStatus, deadline: datetime | None, now: datetime) -> bool:
    """A case is overdue when the deadline it works towards has passed, unless it is suspended: the mediation period
    stands still during an appraisal or valuation (online mediation rules, 2022)."""
    return deadline is not None and deadline < now and status != CaseStatus.SUSPENDED


def instalments_add_up(settled_amount: Decimal, amounts: Iterable[Decimal]) -> bool:
    """A repayment plan must add up to the settled amount exactly (an empty plan means one payment)."""
    amounts = list(amounts)
    return not amounts or sum(amounts, Decimal("0")) == settled_amount


# --- judicial confirmation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationFlags:
    """What is overdue about a judicial confirmation at a given moment."""

    application_window_closed: bool
    acceptance_overdue: bool
    decision_overdue: bool


def confirmation_deadlines(
    *,
    agreement_effective_at: datetime | None,
    requested_at: datetime | None,
    accepted_at: datetime | None,
    decision_extended: bool,
) -> dict[str, datetime]:
    """The judicial-confirmation periods that have started (CPL 2023 arts. 205–206, counted per CPL art. 85): apply
    within 30 days of the agreement taking effect; the court accepts within 3 days of the application and decides
    within 15 days of acceptance (+10 with the president's approval)."""
    ends: dict[str, datetime] = {}
    if agreement_effective_at is not None:
        ends["confirmation_apply_by"] = period_end(agreement_effective_at, CONFIRMATION_APPLY_DAYS, Unit.DAYS).ends_at
    if requested_at is not None:
        ends["confirmation_accept_by"] = period_end(requested_at, CONFIRMATION_ACCEPT_DAYS, Unit.DAYS).ends_at
    if accepted_at is not None:
        decide_days = CONFIRMATION_DECIDE_DAYS + (CONFIRMATION_EXTENSION_DAYS if decision_extended else 0)
        ends["confirmation_decide_by"] = period_end(accepted_at, decide_days, Unit.DAYS).ends_at
    return ends


def confirmation_flags(
    *,
    now: datetime,
    agreement_effective_at: datetime | None,
    requested_at: datetime | None,
    accepted_at: datetime | None,
    decided_at: datetime | None,
    decision_extended: bool,
) -> ConfirmationFlags:
    """Apply within 30 days of the agreement taking effect; accept within 3 days of the application; decide
    within 15 days of acceptance (+10 with the president's approval)."""
    ends = confirmation_deadlines(
        agreement_effective_at=agreement_effective_at,
        requested_at=requested_at,
        accepted_at=accepted_at,
        decision_extended=decision_extended,
    )
    window_closed = requested_at is None and "confirmation_apply_by" in ends and now >= ends["confirmation_apply_by"]
    acceptance_overdue = (
        accepted_at is None and "confirmation_accept_by" in ends and now >= ends["confirmation_accept_by"]
    )
    decision_overdue = decided_at is None and "confirmation_decide_by" in ends and now >= ends["confirmation_decide_by"]
    return ConfirmationFlags(window_closed, acceptance_overdue, decision_overdue)


def may_apply_for_confirmation(*, now: datetime, agreement_effective_at: datetime) -> bool:
    """Within the 30 days (CPL 2023 art. 205): until 24:00 Beijing time of the last day."""
    return now < period_end(agreement_effective_at, CONFIRMATION_APPLY_DAYS, Unit.DAYS).ends_at


# --- statistics ------------------------------------------------------------------------------------------------


# Who sees a case in the statistics (queries.visible_to): its court's judges and analysts, its claimant bank, the
# organisation of its mediator, and, while it waits for a mediator, every organisation on its court's roster (the
# pool). A waiting case has no organisation, so an organisation's own cases and its pools never overlap.
COURT, BANK, ORGANISATION, POOL = "court", "bank", "organisation", "pool"
SCOPES = (COURT, BANK, ORGANISATION, POOL)


def holders(
    *, court_code: str, claimant_code: str, status: str, organisation_code: str | None
) -> list[tuple[str, str]]:
    """The (scope, holder) pairs whose statistics count a case in this state."""
    seen = [(COURT, court_code), (BANK, claimant_code)]
    if organisation_code is not None:
        seen.append((ORGANISATION, organisation_code))
    if status == CaseStatus.OPENED:
        seen.append((POOL, court_code))
    return seen


def microseconds_between(start: datetime, end: datetime) -> int:
    """The exact whole microseconds from `start` to `end` (kept as an integer: sums of them stay exact)."""
    return (end - start) // timedelta(microseconds=1)


MICROSECONDS_A_DAY = 86_400_000_000


def days_of(microseconds: int) -> float:
    """Days in a sum of exact microseconds (one rounding, at the end)."""
    return microseconds / MICROSECONDS_A_DAY


@dataclass(frozen=True)
class MediationStatistics:
    closed: int
    settled: int
    success_rate: Decimal | None
    average_duration_days: Decimal | None
    confirmation_requested: int
    confirmed: int
    confirmation_rate: Decimal | None


def mediation_statistics(
    *, outcomes: Sequence[tuple[str, datetime | None, datetime]], confirmation_requested: int, confirmed: int
) -> MediationStatistics:
    """Success rate = settled ÷ closed; average duration = mean days from acceptance to closure (cases never
    accepted do not count); confirmation rate = confirmed ÷ requested."""
    durations = [(closed_at - accepted).total_seconds() / 86400 for _, accepted, closed_at in outcomes if accepted]
    return mediation_figures(
        closed=len(outcomes),
        settled=sum(1 for outcome, _, _ in outcomes if outcome == "settled"),
        total_duration_days=sum(durations),
        durations=len(durations),
        confirmation_requested=confirmation_requested,
        confirmed=confirmed,
    )


def mediation_figures(
    *,
    closed: int,
    settled: int,
    total_duration_days: float,
    durations: int,
    confirmation_requested: int,
    confirmed: int,
) -> MediationStatistics:
    """`mediation_statistics` from counts already made: `durations` cases accepted and closed, taking
    `total_duration_days` from acceptance to closure together."""
    average = Decimal(str(total_duration_days / durations)).quantize(Decimal("0.01")) if durations else None
    return MediationStatistics(
        closed=closed,
        settled=settled,
        success_rate=rate(settled, closed),
        average_duration_days=average,
        confirmation_requested=confirmation_requested,
        confirmed=confirmed,
        confirmation_rate=rate(confirmed, confirmation_requested),
    )
