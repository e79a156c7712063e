"""Enforcement inquiry's pure rules: the life of an inquiry (执行咨询函 → 执行建议), its service level (7 days, 3 if
urgent, from the moment the judge sends it), account masking, the recoverable estimate from bank answers, and
the turnaround statistics of DOMAIN.md. No I/O."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from courtlink_shared.deadlines.periods import Unit, period_end
from courtlink_shared.figures import rate
from sqlalchemy import ColumnElement, SQLColumnExpression, and_

ZERO = Decimal("0.00")


class InquiryStatus(StrEnum):
    SUBMITTED = "submitted"  # sent by the trial judge, waiting for the enforcement bureau
    ACCEPTED = "accepted"  # an officer is assigned; bank queries may be out
    ADVISED = "advised"  # enforcement advice (执行建议) issued
    ACKNOWLEDGED = "acknowledged"  # the judge has read the advice


_TRANSITIONS: dict[InquiryStatus, frozenset[InquiryStatus]] = {
    InquiryStatus.SUBMITTED: frozenset({InquiryStatus.ACCEPTED}),
    InquiryStatus.ACCEPTED: frozenset({InquiryStatus.ADVISED}),
    InquiryStatus.ADVISED: frozenset({InquiryStatus.ACKNOWLEDGED}),
}
OPEN = frozenset({InquiryStatus.SUBMITTED, InquiryStatus.ACCEPTED})


def can_transition(current: InquiryStatus, target: InquiryStatus) -> bool:
    return target in _TRANSITIONS.get(current, frozenset())


class LineStatus(StrEnum):
    """One respondent asked of one bank."""

    WAITING = "waiting"  # collected for the next consolidated query to that bank
    SENT = "sent"  # in a query the bank has not answered yet
    ANSWERED = "answered"
    EXPIRED = "expired"  # the bank did not answer in time


UNRESOLVED = frozenset({LineStatus.WAITING, LineStatus.SENT})


class QueryStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"


def service_level_due(submitted_at: datetime, *, urgent: bool, days: int = 7, urgent_days: int = 3) -> datetime:
    """When the advice is due: `days` days after the judge sent the inquiry, `urgent_days` if urgent (the SPC's
    time limit for checking property leads, 7 days or 3 when urgent, used as the service level), counted per CPL
    art. 85 / Civil Code arts. 201–203: the sending day not counted, 24:00 Beijing time of the last day, a rest-day
    last day moved to the next working day."""
    return period_end(submitted_at, urgent_days if urgent else days, Unit.DAYS).ends_at


class ServiceLevelled(Protocol):
    """What the overdue rule reads of an inquiry."""

    @property
    def status(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def overdue_at(self) -> datetime | None: ...


def is_overdue(inquiry: ServiceLevelled, now: datetime) -> bool:
    """Whether an inquiry missed its service level (`service_level_due`): the sweep flagged it overdue, or it is
    still open, no advice issued, past its due time. An inquiry flagged overdue stays so after the advice."""
    return inquiry.overdue_at is not None or (inquiry.status in OPEN and inquiry.due_at < now)


def past_deadline_sql(
    *, status: SQLColumnExpression[str], due_at: SQLColumnExpression[datetime], now: datetime
) -> ColumnElement[bool]:
    """The part of `is_overdue` the sweep may not have flagged yet (still open, past the due time), as a SQL
    condition on an inquiry's columns for counting in the database: the same rule (the SPC's time limit for
    checking property leads, `service_level_due`), kept beside it so that the two change together. Statistics
    add the inquiries flagged overdue, which they keep counted."""
    return and_(status.in_([s.value for s in OPEN]), due_at < now)


def mask_account(number: str) -> str:
    """Only the first four and the last four digits are ever stored or shown: 6222********1234."""
    digits = "".join(number.split())
    hidden = max(len(digits) - 8, 4)
    return f"{digits[:4]}{'*' * hidden}{digits[-4:]}"


@dataclass(frozen=True)
class AccountFigure:
    balance: Decimal
    frozen: Decimal

    @property
    def available(self) -> Decimal:
        """What enforcement could still reach: the balance less existing freezes, never below zero."""
        return max(self.balance - self.frozen, ZERO)


def recoverable_estimate(claim: Decimal, accounts: Iterable[AccountFigure]) -> Decimal:
    """The amount enforcement could recover from the accounts the banks reported, at most the claim."""
    return min(sum((a.available for a in accounts), ZERO), claim)


@dataclass(frozen=True)
class Turnaround:
    advised: int
    within_service_level: int
    median_hours: Decimal | None
    share_within_service_level: Decimal | None


def turnaround(durations_and_due: Sequence[tuple[timedelta, bool]]) -> Turnaround:
    """Median time from inquiry to advice and the share advised by the service-level deadline."""
    if not durations_and_due:
        return Turnaround(0, 0, None, None)
    within = sum(1 for _, on_time in durations_and_due if on_time)
    return Turnaround(
        len(durations_and_due),
        within,
        median_hours([d for d, _ in durations_and_due]),
        rate(within, len(durations_and_due)),
    )


MICROSECOND = timedelta(microseconds=1)
MICROSECONDS_A_DAY = 86_400_000_000


def turnaround_us(submitted_at: datetime, advised_at: datetime) -> int:
    """The time from the letter to the advice in whole microseconds (exact: timestamps are kept to the
    microsecond)."""
    return (advised_at - submitted_at) // MICROSECOND


def days_taken(turnaround: int) -> int:
    """The whole days of a turnaround in microseconds: the bucket the turnaround histogram counts it in."""
    return turnaround // MICROSECONDS_A_DAY


def middle_positions(histogram: Mapping[int, int]) -> list[tuple[int, int]]:
    """Where the median lies in a histogram (bucket → how many values, buckets in ascending order of value): the
    bucket and the 0-based position inside it of the middle value (odd total) or of the two middle values (even
    total), so that only those buckets' values need to be read and sorted."""
    total = sum(histogram.values())
    wanted = sorted({(total - 1) // 2, total // 2}) if total else []
    positions: list[tuple[int, int]] = []
    below = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        positions += [(bucket, rank - below) for rank in wanted if below <= rank < below + count]
        below += count
    return positions


def median_hours(durations: Sequence[timedelta]) -> Decimal | None:
    """The median duration in hours, one decimal."""
    if not durations:
        return None
    return Decimal(str(statistics.median(d.total_seconds() / 3600 for d in durations))).quantize(Decimal("0.1"))
