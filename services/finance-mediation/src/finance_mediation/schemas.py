"""Request and response models of the finance-mediation API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from courtlink_shared.events.common import Instalment
from courtlink_shared.events.mediation import Consent, TerminationGround
from courtlink_shared.identifiers.money import Money
from courtlink_shared.inputs import StrictInput
from courtlink_shared.responses import RowOut
from pydantic import BaseModel, ConfigDict, Field

from finance_mediation.rules import CaseStatus


class _In(StrictInput):
    pass


class OrganisationIn(_In):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["financial_dispute_mediation_room", "bank_association_centre", "other"]


class MediatorIn(_In):
    id: str = Field(min_length=1, max_length=100, description="The subject of the mediator's token.")
    name: str = Field(min_length=1, max_length=50)
    specialties: list[str] = Field(min_length=1, description="Dispute types the mediator handles.")
    capacity: int = Field(ge=1, le=500, description="Active cases at most.")
    affiliations: list[str] = Field(default_factory=list, description="Credit codes of banks the mediator is tied to.")
    available: bool = True


class MediatorPatch(_In):
    specialties: list[str] | None = Field(default=None, min_length=1)
    capacity: int | None = Field(default=None, ge=1, le=500)
    affiliations: list[str] | None = None
    available: bool | None = None


class MediatorOut(RowOut):
    id: str
    organisation_code: str
    name: str
    specialties: list[str]
    capacity: int
    affiliations: list[str]
    available: bool
    active_cases: int


class AssignmentIn(_In):
    mediator_id: str


class DeclineIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class ContactIn(_In):
    at: datetime
    channel: Literal["online", "phone", "in_person", "sms", "post"]
    party: str = Field(min_length=1, max_length=100)
    result: Literal["reached", "not_reached", "refused"]
    note: str | None = Field(default=None, max_length=500)


class SessionIn(_In):
    started_at: datetime
    channel: Literal["online", "phone", "in_person"]
    minutes: int = Field(ge=1, le=600)
    summary: str = Field(min_length=1, max_length=2000)


class ExtensionIn(_In):
    days: int = Field(ge=1, le=60)
    consents: list[Consent] = Field(min_length=1)


class SuspensionIn(_In):
    reason: str = Field(min_length=1, max_length=500, description="e.g. appraisal of the collateral")


class AgreementIn(_In):
    settled_amount: Money = Field(gt=0)
    instalments: list[Instalment] = Field(default_factory=list, max_length=120)


class SignatureIn(_In):
    party: str = Field(description="The claimant's credit code or a respondent's ID number.")


class FailureIn(_In):
    ground: TerminationGround
    reason: str = Field(min_length=1, max_length=500)
    claimant_maintains_claim: bool = Field(description="Whether the bank still wants the court to file the case.")


class ConfirmationIn(_In):
    applicants: list[str] = Field(min_length=2, description="Every party: the claimant and each respondent.")


class DecisionIn(_In):
    decision: Literal["confirmed", "dismissed"]
    reasons: str = Field(min_length=1, max_length=2000)
    president_extension: bool = Field(default=False, description="Decided in the 10 extra days the president approved.")


class ConfirmationOut(RowOut):
    """A case's judicial confirmation, read from the case's `confirmation_…` columns (or by its own names)."""

    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    requested_at: datetime | None = Field(validation_alias="confirmation_requested_at")
    accepted_at: datetime | None = Field(validation_alias="confirmation_accepted_at")
    decided_at: datetime | None = Field(validation_alias="confirmation_decided_at")
    decision: str | None = Field(validation_alias="confirmation_decision")
    case_number: str | None = Field(validation_alias="confirmation_case_number")
    application_window_closed: bool
    acceptance_overdue: bool
    decision_overdue: bool


class InstalmentOut(RowOut):
    due_date: date
    amount: Decimal


class AgreementOut(RowOut):
    settled_amount: Decimal
    instalments: list[InstalmentOut]


class SignatureOut(RowOut):
    party: str
    signed_at: str = Field(description="When the party signed (ISO 8601, as recorded).")


class CaseOut(RowOut):
    id: str
    dispute_id: str
    mediation_number: str
    status: CaseStatus
    dispute_type: str
    claimant_code: str
    claimant_name: str | None = Field(description="The bank's name, as intake routed the dispute")
    respondent_names: list[str] = Field(description="The respondents' names, in the order intake gave them")
    claim_total: Decimal | None = Field(description="What the bank claims in all (yuan)")
    court_code: str
    mediator_id: str | None
    organisation_code: str | None
    opened_at: datetime
    assign_by: datetime
    assigned_at: datetime | None
    accept_by: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None
    extension_days: int
    suspended_days: Decimal
    agreement: AgreementOut | None
    signatures: list[SignatureOut]
    agreement_effective_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    ground: str | None
    reason: str | None
    confirmation: ConfirmationOut
    overdue: bool
    parties: list[str]
    ends_on: dict[str, date] = Field(
        default_factory=dict,
        description="The Beijing-time day each deadline ends on (at 24:00): assign_by, accept_by, due_at, "
        "confirmation_apply_by, confirmation_accept_by, confirmation_decide_by",
    )
    calendar_warning: str | None = Field(
        None, description="Set when a deadline falls in a year whose holiday arrangement is not published yet"
    )
    calendar_warning_zh: str | None = Field(None, description="`calendar_warning` in Chinese")


class ActivityOut(RowOut):
    at: datetime
    kind: str
    actor: str | None
    detail: dict[str, Any]


class CaseDetailOut(CaseOut):
    dispute: dict[str, Any]
    activities: list[ActivityOut]


class OverviewOut(BaseModel):
    organisation_code: str
    mediators: list[MediatorOut]
    overdue_cases: list[CaseOut]


class StatisticsOut(BaseModel):
    period_from: date
    period_to: date
    closed: int
    settled: int
    success_rate: Decimal | None
    average_duration_days: Decimal | None
    confirmation_requested: int
    confirmed: int
    confirmation_rate: Decimal | None
    cases_per_mediator: dict[str, int]
    cases_per_bank: dict[str, int]
