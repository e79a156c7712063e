"""Events on `mediation.cases` (key: dispute id)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from courtlink_shared.events.common import Actor, Instalment, Value
from courtlink_shared.events.envelope import EventData
from courtlink_shared.events.registry import register
from courtlink_shared.events.topics import MEDIATION_CASES
from courtlink_shared.identifiers.money import Money

TerminationGround = Literal[
    "party_withdrew_or_refused",
    "positions_too_far_apart",
    "party_refused_to_sign",
    "period_expired",
    "other",
]


class _CaseEvent(EventData):
    topic = MEDIATION_CASES
    dispute_id: str
    case_id: str


@register
class MediationOpened(_CaseEvent):
    """A routed dispute opened a mediation case."""

    event_type = "mediation.case.opened"
    mediation_number: str
    opened_at: AwareDatetime


@register
class MediatorAssigned(_CaseEvent):
    """A mediator was assigned (automatically, manually or as a reassignment; `reason` says why)."""

    event_type = "mediation.case.mediator_assigned"
    mediator_id: str
    mediator_name: str
    organisation_code: str
    mode: Literal["automatic", "manual", "reassignment"]
    reason: str
    previous_mediator_id: str | None = None
    accept_by: AwareDatetime
    assigned_at: AwareDatetime


@register
class MediationAccepted(_CaseEvent):
    """The mediator accepted the case; the 30-day period starts."""

    event_type = "mediation.case.accepted"
    mediator_id: str
    accepted_at: AwareDatetime
    due_at: AwareDatetime


class Consent(Value):
    """One party's consent to an extension."""

    party: str
    consented_at: AwareDatetime


@register
class MediationExtended(_CaseEvent):
    """The period was extended with every party's recorded consent."""

    event_type = "mediation.case.extended"
    extra_days: int = Field(gt=0)
    consents: list[Consent] = Field(min_length=1)
    due_at: AwareDatetime
    extended_at: AwareDatetime


class Agreement(Value):
    """A mediation agreement; effective when the last party signed."""

    settled_amount: Money
    instalments: list[Instalment]
    effective_at: AwareDatetime


@register
class MediationSettled(_CaseEvent):
    """Closed with an agreement."""

    event_type = "mediation.case.settled"
    agreement: Agreement
    settled_at: AwareDatetime


@register
class MediationFailed(_CaseEvent):
    """Closed without agreement; intake files the case if the claimant maintains the claim."""

    event_type = "mediation.case.failed"
    ground: TerminationGround
    reason: str
    claimant_maintains_claim: bool
    failed_at: AwareDatetime


@register
class MediationWithdrawn(_CaseEvent):
    """Closed because the bank withdrew."""

    event_type = "mediation.case.withdrawn"
    withdrawn_at: AwareDatetime


@register
class ConfirmationRequested(_CaseEvent):
    """Both parties applied for judicial confirmation (司法确认) of the agreement."""

    event_type = "mediation.case.confirmation_requested"
    requested_at: AwareDatetime


@register
class ConfirmationDecided(_CaseEvent):
    """A judge confirmed (with a 民特 case number) or dismissed the application."""

    event_type = "mediation.case.confirmation_decided"
    decision: Literal["confirmed", "dismissed"]
    case_number: str | None
    reasons: str
    by: Actor
    decided_at: AwareDatetime
