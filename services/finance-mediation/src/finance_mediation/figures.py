"""Finance mediation's figures per holder and Beijing day (`CaseFigures`, `OpenedFigures`), counted in the
transaction that changes them: a case opened, given to a mediator or returned to the pool, closed, taken to
judicial confirmation. Statistics sum these rows (queries.statistics) for a caller whose scope is one holder's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from courtlink_shared.db.tallies import tally
from courtlink_shared.deadlines.periods import beijing_day
from sqlalchemy.ext.asyncio import AsyncSession

from finance_mediation.models import CaseFigures, MediationCase, OpenedFigures
from finance_mediation.rules import holders, microseconds_between

CASE_FIGURES = CaseFigures.metadata.tables[CaseFigures.__tablename__]
OPENED_FIGURES = OpenedFigures.metadata.tables[OpenedFigures.__tablename__]


@dataclass(frozen=True)
class Placement:
    """What decides where a case's opening is counted: who sees it, its bank, its mediator now, its day."""

    court_code: str
    claimant_code: str
    status: str
    organisation_code: str | None
    mediator_id: str | None
    opened_at: datetime

    @classmethod
    def of(cls, case: MediationCase | dict[str, Any]) -> Placement:
        """The placement of a case, or of a case's row about to be inserted."""
        if isinstance(case, dict):
            return cls(*(case[name] for name in _PLACEMENT))
        return cls(*(getattr(case, name) for name in _PLACEMENT))

    def holders(self) -> list[tuple[str, str]]:
        """The (scope, holder) pairs that see the case (rules.holders)."""
        return holders(
            court_code=self.court_code,
            claimant_code=self.claimant_code,
            status=self.status,
            organisation_code=self.organisation_code,
        )


_PLACEMENT = tuple(f.name for f in fields(Placement))


def count_opened(session: AsyncSession, *placements: Placement, sign: int = 1) -> None:
    """Count cases opened (or, with `sign` -1, take them back) for every holder that sees them, by bank and by
    mediator, on their day of opening. A burst's openings are added up here first: a few rows, not one per case."""
    openings: Counter[tuple[str, str, date, str, str]] = Counter()
    for placement in placements:
        day = beijing_day(placement.opened_at)
        for scope, holder in placement.holders():
            openings[(scope, holder, day, "bank", placement.claimant_code)] += sign
            if placement.mediator_id is not None:
                openings[(scope, holder, day, "mediator", placement.mediator_id)] += sign
    for (scope, holder, day, per, whom), count in openings.items():
        key = {"scope": scope, "holder": holder, "day": day, "per": per, "whom": whom}
        tally(session, OPENED_FIGURES, key, {"opened": count})


def count_move(session: AsyncSession, before: Placement, case: MediationCase) -> None:
    """Move a case's opening to where it is counted now, after its mediator, organisation or status changed."""
    after = Placement.of(case)
    if _counted_as(after) != _counted_as(before):
        count_opened(session, before, sign=-1)
        count_opened(session, after)


def _counted_as(placement: Placement) -> tuple[object, ...]:
    """What decides where an opening is counted (a status change within mediation decides nothing)."""
    return placement.holders(), placement.mediator_id


def count_closure(session: AsyncSession, case: MediationCase) -> None:
    """Count a case just closed: settled or not, and the time from acceptance to closure if it was accepted."""
    if case.closed_at is None or case.outcome is None:
        raise ValueError("a case is counted as closed once it is closed")
    counts = {"closed": 1, "settled": int(case.outcome == "settled")}
    if case.accepted_at is not None:
        counts |= {
            "accepted_and_closed": 1,
            "acceptance_to_closure_us": microseconds_between(case.accepted_at, case.closed_at),
        }
    _count_event(session, case, case.closed_at, counts)


def count_confirmation_requested(session: AsyncSession, case: MediationCase) -> None:
    """Count an application for judicial confirmation, on the day it was made."""
    if case.confirmation_requested_at is None:
        raise ValueError("a case is counted as taken to confirmation once the application is recorded")
    _count_event(session, case, case.confirmation_requested_at, {"confirmation_requested": 1})


def count_confirmed(session: AsyncSession, case: MediationCase) -> None:
    """Count an agreement the court confirmed, on the day of the decision."""
    if case.confirmation_decided_at is None or case.confirmation_decision != "confirmed":
        raise ValueError("a case is counted as confirmed once the court confirmed it")
    _count_event(session, case, case.confirmation_decided_at, {"confirmed": 1})


def _count_event(session: AsyncSession, case: MediationCase, at: datetime, counts: dict[str, int]) -> None:
    for scope, holder in Placement.of(case).holders():
        tally(session, CASE_FIGURES, {"scope": scope, "holder": holder, "day": beijing_day(at)}, counts)
