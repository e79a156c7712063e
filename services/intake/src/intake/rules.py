"""Intake's pure domain rules: dispute types and their notices, the dispute's status machine, idempotency
fingerprints, and the statistics of DOMAIN.md. No I/O: tested in microseconds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from courtlink_shared.figures import rate

# Dispute types banks submit, and the pre-litigation mediation notice template each one gets.
NOTICE_TEMPLATE_BY_TYPE: dict[str, str] = {
    "信用卡纠纷": "credit_card",
    "金融借款合同纠纷": "loan",
    "借款合同纠纷": "loan",
    "保证合同纠纷": "guarantee",
    "融资租赁合同纠纷": "financial_leasing",
    "储蓄存款合同纠纷": "deposit",
    # 银行卡纠纷 (《民事案件案由规定》) covers debit cards as well as credit cards: its own wording, not the
    # credit-card notice's "信用卡透支".
    "银行卡纠纷": "bank_card",
}
DISPUTE_TYPES: tuple[str, ...] = tuple(NOTICE_TEMPLATE_BY_TYPE)


def notice_template_for(dispute_type: str) -> str:
    """The notice template of a dispute type (every listed type has one)."""
    return NOTICE_TEMPLATE_BY_TYPE[dispute_type]


class DisputeStatus(StrEnum):
    """One status per dispute, whichever service holds it."""

    PENDING_REVIEW = "pending_review"  # probable duplicate: a clerk decides
    ROUTED = "routed"  # sent to pre-litigation mediation
    IN_MEDIATION = "in_mediation"  # a mediator accepted it
    SETTLED = "settled"  # agreement reached
    CONFIRMED = "confirmed"  # agreement judicially confirmed
    MEDIATION_FAILED = "mediation_failed"  # failed; claimant does not pursue a lawsuit (yet)
    FILED = "filed"  # filed as a first-instance case (转立案)
    WITHDRAWN = "withdrawn"  # withdrawn by the bank
    REJECTED = "rejected"  # rejected by a clerk as a duplicate


# Which status each step may leave from. Terminal: filed, withdrawn, rejected, confirmed.
_TRANSITIONS: dict[DisputeStatus, frozenset[DisputeStatus]] = {
    DisputeStatus.PENDING_REVIEW: frozenset({DisputeStatus.ROUTED, DisputeStatus.REJECTED, DisputeStatus.WITHDRAWN}),
    DisputeStatus.ROUTED: frozenset(
        {DisputeStatus.IN_MEDIATION, DisputeStatus.SETTLED, DisputeStatus.MEDIATION_FAILED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.IN_MEDIATION: frozenset(
        {DisputeStatus.SETTLED, DisputeStatus.MEDIATION_FAILED, DisputeStatus.WITHDRAWN}
    ),
    DisputeStatus.SETTLED: frozenset({DisputeStatus.CONFIRMED}),
    DisputeStatus.MEDIATION_FAILED: frozenset({DisputeStatus.FILED}),
}


def can_transition(current: DisputeStatus, target: DisputeStatus) -> bool:
    """Whether a dispute in `current` may move to `target`."""
    return target in _TRANSITIONS.get(current, frozenset())


def can_withdraw(status: DisputeStatus) -> bool:
    """A bank may withdraw a dispute until it is filed or otherwise closed."""
    return can_transition(status, DisputeStatus.WITHDRAWN)


# What each mediation event means for the dispute's status (None: timeline only).
STATUS_AFTER_MEDIATION_EVENT: dict[str, DisputeStatus | None] = {
    "mediation.case.opened": None,
    "mediation.case.mediator_assigned": None,
    "mediation.case.accepted": DisputeStatus.IN_MEDIATION,
    "mediation.case.extended": None,
    "mediation.case.settled": DisputeStatus.SETTLED,
    "mediation.case.failed": DisputeStatus.MEDIATION_FAILED,
    "mediation.case.withdrawn": DisputeStatus.WITHDRAWN,
    "mediation.case.confirmation_requested": None,
    "mediation.case.confirmation_decided": None,  # CONFIRMED only when the decision is "confirmed"
}


# How a closing mediation event ends mediation, as the dispute records it.
MEDIATION_CLOSING_OUTCOME = {
    "mediation.case.settled": "settled",
    "mediation.case.failed": "failed",
    "mediation.case.withdrawn": "withdrawn",
}


def status_after_mediation_event(event_type: str, *, confirmed: bool) -> DisputeStatus | None:
    """The status a mediation event moves the dispute to (None: timeline only); a confirmation decision
    confirms the dispute only when the court confirmed the agreement (司法确认)."""
    if event_type == "mediation.case.confirmation_decided" and confirmed:
        return DisputeStatus.CONFIRMED
    return STATUS_AFTER_MEDIATION_EVENT.get(event_type)


# A batch holds at most this many disputes (JSON or CSV), so that one upload stays one bounded piece of work.
BATCH_MAX_ROWS = 10_000


def submission_fingerprint(submission: dict[str, Any]) -> str:
    """A stable hash of a submission's content: the same bank reference with the same fingerprint is a retry."""
    canonical = json.dumps(submission, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class IntakeCounts:
    """Raw counts for one court/bank and period."""

    accepted: int
    routed: int
    mediations_closed: int
    settled: int
    filed_after_failure: int


@dataclass(frozen=True)
class IntakeStatistics:
    """The figures court leaders read (DOMAIN.md), rates as decimals with four places (None when undefined)."""

    accepted: int
    routed: int
    diversion_rate: Decimal | None
    mediations_closed: int
    settled: int
    mediation_success_rate: Decimal | None
    filed_after_failure: int
    filing_after_failure_rate: Decimal | None


def intake_statistics(counts: IntakeCounts) -> IntakeStatistics:
    """Diversion rate = routed ÷ accepted; success rate = settled ÷ closed; filing after failure = filed ÷ closed."""
    return IntakeStatistics(
        accepted=counts.accepted,
        routed=counts.routed,
        diversion_rate=rate(counts.routed, counts.accepted),
        mediations_closed=counts.mediations_closed,
        settled=counts.settled,
        mediation_success_rate=rate(counts.settled, counts.mediations_closed),
        filed_after_failure=counts.filed_after_failure,
        filing_after_failure_rate=rate(counts.filed_after_failure, counts.mediations_closed),
    )
