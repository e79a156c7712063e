"""Events on `intake.disputes` (key: dispute id)."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from courtlink_shared.events.common import Actor, Claim, EvidenceRef, Organisation, Party, Value
from courtlink_shared.events.envelope import EventData
from courtlink_shared.events.registry import register
from courtlink_shared.events.topics import INTAKE_DISPUTES


class DisputeSnapshot(Value):
    """Everything mediation needs to know about a dispute (event-carried state)."""

    bank_reference: str
    dispute_type: str
    claimant: Organisation
    respondents: list[Party] = Field(min_length=1)
    claim: Claim
    contract_number: str
    default_date: date
    court_code: str
    evidence: list[EvidenceRef] = Field(default_factory=list)


class NoticeRef(Value):
    """The pre-litigation mediation notice (诉前调解告知书) issued for a dispute."""

    template: str
    issued_at: AwareDatetime
    url: str


class _DisputeEvent(EventData):
    topic = INTAKE_DISPUTES
    dispute_id: str


@register
class DisputeSubmitted(_DisputeEvent):
    """A bank's dispute passed validation and was accepted."""

    event_type = "intake.dispute.submitted"
    bank_code: str
    bank_reference: str
    court_code: str
    dispute_type: str
    submitted_at: AwareDatetime
    probable_duplicate_of: str | None = None


@register
class DisputeRouted(_DisputeEvent):
    """The dispute got its mediation number and notice and goes to pre-litigation mediation."""

    event_type = "intake.dispute.routed"
    mediation_number: str
    notice: NoticeRef
    dispute: DisputeSnapshot
    routed_at: AwareDatetime


@register
class DisputeWithdrawn(_DisputeEvent):
    """The bank withdrew the dispute, or a clerk rejected it as a duplicate, before filing."""

    event_type = "intake.dispute.withdrawn"
    reason: str
    by: Actor
    withdrawn_at: AwareDatetime


@register
class DisputeFiled(_DisputeEvent):
    """Mediation failed and the claimant maintains the claim: the court filed a first-instance case (转立案)."""

    event_type = "intake.dispute.filed"
    case_number: str
    court_code: str
    mediation_number: str | None
    claimant: Organisation
    respondents: list[Party]
    claim: Claim
    filed_at: AwareDatetime
