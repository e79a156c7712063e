"""Judicial advice's pure rules: the life of an advice (状态), its number `{place}法建〔{year}〕{n}号`, the reply
deadline (normally at most two months from delivery), and the reply statistics of DOMAIN.md. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from courtlink_shared.auth.principal import Role
from courtlink_shared.deadlines.periods import Unit, period_end, reminder_after, reminder_before
from courtlink_shared.figures import rate
from sqlalchemy import ColumnElement, SQLColumnExpression, and_

DEFAULT_REPLY_MONTHS = 2


class AdviceStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the judicial committee
    RETURNED = "returned"  # sent back with comments, to be revised
    APPROVED = "approved"  # approved by the committee, waiting for the president's signature
    ISSUED = "issued"  # signed and numbered
    DELIVERED = "delivered"  # the reply deadline runs
    ACKNOWLEDGED = "acknowledged"  # the agency signed for it
    REPLIED = "replied"  # final written reply received
    EVALUATED = "evaluated"
    ARCHIVED = "archived"


_TRANSITIONS: dict[AdviceStatus, frozenset[AdviceStatus]] = {
    AdviceStatus.DRAFT: frozenset({AdviceStatus.SUBMITTED}),
    AdviceStatus.SUBMITTED: frozenset({AdviceStatus.RETURNED, AdviceStatus.APPROVED}),
    AdviceStatus.RETURNED: frozenset({AdviceStatus.SUBMITTED}),
    AdviceStatus.APPROVED: frozenset({AdviceStatus.ISSUED}),
    AdviceStatus.ISSUED: frozenset({AdviceStatus.DELIVERED}),
    AdviceStatus.DELIVERED: frozenset({AdviceStatus.ACKNOWLEDGED, AdviceStatus.REPLIED}),
    AdviceStatus.ACKNOWLEDGED: frozenset({AdviceStatus.REPLIED}),
    AdviceStatus.REPLIED: frozenset({AdviceStatus.EVALUATED}),
    AdviceStatus.EVALUATED: frozenset({AdviceStatus.ARCHIVED}),
}
EDITABLE = frozenset({AdviceStatus.DRAFT, AdviceStatus.RETURNED})
AWAITING_REPLY = frozenset({AdviceStatus.DELIVERED, AdviceStatus.ACKNOWLEDGED})
# An agency sees an advice from its delivery on, never a draft.
VISIBLE_TO_AGENCIES = frozenset(
    {
        AdviceStatus.DELIVERED,
        AdviceStatus.ACKNOWLEDGED,
        AdviceStatus.REPLIED,
        AdviceStatus.EVALUATED,
        AdviceStatus.ARCHIVED,
    }
)


def can_transition(current: AdviceStatus, target: AdviceStatus) -> bool:
    return target in _TRANSITIONS.get(current, frozenset())


def advice_number(place: str, year: int, sequence: int) -> str:
    """The printed number of a 司法建议书, e.g. 吉法建〔2026〕3号; refuses a sequence number below 1 (numbers
    start at 1) and an empty place (every court has its own)."""
    if sequence < 1 or not place:
        raise ValueError(f"an advice number needs a place and a sequence number from 1, not {place!r} and {sequence}")
    return f"{place}法建〔{year}〕{sequence}号"


def number_scope(court_code: str) -> str:
    """Numbers run per court (and year) without gaps."""
    return f"advice:{court_code}"


def reply_deadline(delivered_at: datetime, months: int = DEFAULT_REPLY_MONTHS) -> datetime:
    """When the written reply is due: `months` after delivery (normally at most two: SPC provisions on
    comprehensive-governance judicial advice, 2023), counted per Civil Code arts. 201–203: the corresponding day of
    the last month or its last day, moved off a rest day, until 24:00 Beijing time."""
    return period_end(delivered_at, months, Unit.MONTHS).ends_at


class AwaitingReply(Protocol):
    """What the overdue rule reads of an advice."""

    @property
    def reply_deadline(self) -> datetime | None: ...
    @property
    def final_reply_at(self) -> datetime | None: ...


def reply_overdue(advice: AwaitingReply, now: datetime) -> bool:
    """Whether the recipient's written reply is overdue: delivered (so the deadline of `reply_deadline` runs),
    the deadline passed, and no final reply received (interim replies do not stop it)."""
    return advice.final_reply_at is None and advice.reply_deadline is not None and advice.reply_deadline < now


def reply_overdue_sql(
    *,
    final_reply_at: SQLColumnExpression[datetime | None],
    reply_deadline: SQLColumnExpression[datetime | None],
    now: datetime,
) -> ColumnElement[bool]:
    """`reply_overdue` as a SQL condition on an advice's columns, for counting in the database: the same rule (the
    reply deadline of the SPC provisions on comprehensive-governance judicial advice, 2023), kept beside it so that
    the two change together."""
    return and_(final_reply_at.is_(None), reply_deadline.is_not(None), reply_deadline < now)


REMIND_DAYS = 7


def reminders(deadline: datetime) -> list[tuple[datetime, str]]:
    """When the recipient is reminded (practice): on the working day a week before the reply deadline's last day,
    and a week after it (counted as a period of 7 days, so on a working day)."""
    return [(reminder_before(deadline, REMIND_DAYS), "before"), (reminder_after(deadline, REMIND_DAYS), "after")]


def recommendations_match(problems: Sequence[str], recommendations: Sequence[object]) -> bool:
    """Recommendations one-to-one with the problems found."""
    return len(problems) > 0 and len(problems) == len(recommendations)


# The adoptions the reply figures count as adopted (in whole or in part).
ADOPTED = frozenset({"adopted", "partly_adopted"})


def replied_on_time(final_reply_at: datetime, reply_deadline: datetime | None) -> bool:
    """Whether a reply received at `final_reply_at` came by the reply deadline."""
    return reply_deadline is not None and final_reply_at <= reply_deadline


@dataclass(frozen=True)
class ReplyFigures:
    issued: int
    delivered: int
    due_or_replied: int
    replied: int
    replied_on_time: int
    adopted: int
    reply_rate: Decimal | None
    on_time_rate: Decimal | None
    adoption_rate: Decimal | None


def reply_figures(
    *, issued: int, delivered: int, due_or_replied: int, replied: int, on_time: int, adopted: int
) -> ReplyFigures:
    """Reply rate = replied ÷ (deadline passed or replied); on-time = replied by the deadline ÷ replied;
    adoption = adopted fully or partly ÷ replied."""
    return ReplyFigures(
        issued,
        delivered,
        due_or_replied,
        replied,
        on_time,
        adopted,
        rate(replied, due_or_replied),
        rate(on_time, replied),
        rate(adopted, replied),
    )


def place_of(court_places: Mapping[str, str], court_code: str) -> str | None:
    """The place abbreviation a court's advice numbers start with, as configured (COURT_PLACES), or None for a court
    without one: never a default, since a guessed one (say the province's character) gives two courts of the same
    province the same number (SPC provisions on judicial advice, 2023: each court numbers its own advice)."""
    return court_places.get(court_code)


def court_places_faults(court_places: Mapping[str, str], known_courts: Iterable[str]) -> list[str]:
    """What is wrong with a court → place configuration: none configured, a known court without a place, or two
    courts with the same place (their advice would get the same numbers)."""
    if not court_places:
        return ['no court has a place abbreviation for advice numbers; set COURT_PLACES, e.g. {"吉7101": "长铁"}']
    faults = [
        f"court {court} (in COURT_NAMES) has no place abbreviation for advice numbers in COURT_PLACES"
        for court in sorted(set(known_courts) - set(court_places))
    ]
    courts_by_place: dict[str, list[str]] = {}
    for court, place in court_places.items():
        courts_by_place.setdefault(place, []).append(court)
    faults += [
        f"courts {', '.join(sorted(courts))} share the place abbreviation {place}: their advice numbers would collide"
        for place, courts in courts_by_place.items()
        if len(courts) > 1
    ]
    return faults


def drafting_role(roles: Collection[str]) -> Role:
    """The role a draft is recorded in: the court's advice office (advice manager) when the drafter holds that
    role, else the trial judge who met the problem in a case; both may draft in the court's name."""
    return Role.ADVICE_MANAGER if Role.ADVICE_MANAGER in roles else Role.TRIAL_JUDGE
