"""Request and response models of the enforcement-inquiry API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from courtlink_shared.events.enforcement import AdviceConclusion
from courtlink_shared.identifiers.case_number import parse_case_number
from courtlink_shared.identifiers.money import MAX_CLAIM
from courtlink_shared.identifiers.normalise import InvalidIdentifier
from courtlink_shared.inputs import Amount, Code, PartyIn, StrictInput, Text, check_organisation_code
from courtlink_shared.responses import RowOut, deadline_fields
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from enforcement_inquiry.rules import InquiryStatus, LineStatus, QueryStatus, is_overdue

if TYPE_CHECKING:
    from enforcement_inquiry.models import Inquiry


def _case_number(value: str) -> str:
    try:
        return str(parse_case_number(value))
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from exc


CaseNumberText = Annotated[str, AfterValidator(_case_number)]
DocumentKind = Literal["letter", "advice"]
BankCode = Annotated[Code, AfterValidator(check_organisation_code)]


class InstalmentIn(StrictInput):
    due_date: date
    amount: Amount = Field(gt=0)


class TermsIn(StrictInput):
    """The terms of the judgment or agreement whose enforceability is in question."""

    amount: Amount = Field(gt=0, le=MAX_CLAIM, description="The amount the respondents are to pay.")
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=120)
    guarantor_liability: Literal["none", "joint_and_several", "supplementary"] = "none"
    guarantors: list[PartyIn] = Field(default_factory=list, max_length=10)
    interest_formula: Text | None = Field(default=None, max_length=500, examples=["以未还本金为基数按LPR的1.5倍计"])
    performance_deadline: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TermsIn:
        if self.instalments and sum((i.amount for i in self.instalments), Decimal("0")) != self.amount:
            raise ValueError("the instalments must add up to the amount")
        if self.guarantor_liability != "none" and not self.guarantors:
            raise ValueError("guarantor liability needs the guarantors named")
        return self


class BankIn(StrictInput):
    code: BankCode = Field(description="The bank's unified social credit code.")
    name: Text = Field(min_length=1, max_length=100)


class PropertyLeadIn(StrictInput):
    kind: Literal["bank_account", "real_estate", "vehicle", "equity", "other"]
    description: Text = Field(min_length=1, max_length=500)
    bank: BankIn | None = Field(default=None, description="For a bank account lead: the bank to query.")

    @model_validator(mode="after")
    def _bank_for_accounts(self) -> PropertyLeadIn:
        if self.kind == "bank_account" and self.bank is None:
            raise ValueError("a bank account lead names the bank")
        return self


class InquiryIn(StrictInput):
    """The 执行咨询函 a trial judge sends."""

    case_number: CaseNumberText = Field(examples=["（2026）吉7101民初15号"])
    respondents: list[PartyIn] = Field(
        default_factory=list,
        max_length=20,
        description="Leave empty when intake filed the case: its respondents are filled in.",
    )
    terms: TermsIn
    questions: list[Annotated[Text, Field(min_length=1, max_length=1000)]] = Field(min_length=1, max_length=20)
    property_leads: list[PropertyLeadIn] = Field(default_factory=list, max_length=50)
    urgent: bool = False


class AcceptanceIn(StrictInput):
    officer: Text | None = Field(default=None, max_length=100, description="The officer assigned; yourself if empty.")
    banks: list[BankIn] | None = Field(
        default=None, max_length=50, description="Banks to query now; the banks of the property leads if omitted."
    )


class AssetQueryRequestIn(StrictInput):
    banks: list[BankIn] = Field(min_length=1, max_length=50)
    respondents: list[Code] | None = Field(
        default=None, max_length=20, description="ID numbers of the respondents to ask about; all if omitted."
    )


class AdviceIn(StrictInput):
    """The 执行建议."""

    conclusion: AdviceConclusion
    proposed_changes: list[Annotated[Text, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=20
    )
    reasons: Text = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _changes_when_needed(self) -> AdviceIn:
        if self.conclusion == "enforceable_with_changes" and not self.proposed_changes:
            raise ValueError("'enforceable with changes' needs the proposed changes")
        return self


class FreezeIn(StrictInput):
    authority: Text = Field(min_length=1, max_length=100)
    amount: Amount = Field(ge=0)


class AccountIn(StrictInput):
    account_number: Code = Field(pattern=r"^\d{8,32}$", description="Stored and shown masked.")
    account_type: Literal["current", "time_deposit", "wealth_management", "other"]
    balance: Amount = Field(ge=0)
    freezes: list[FreezeIn] = Field(default_factory=list, max_length=20)


class AnswerLineIn(StrictInput):
    line_id: str = Field(min_length=1, max_length=36)
    id_number: Code = Field(description="The account holder's identifier; must be the respondent of the line.")
    accounts: list[AccountIn] = Field(default_factory=list, max_length=100, description="Empty: no account found.")


class AnswerIn(StrictInput):
    """A bank's answer: one line per respondent of the query, every line answered once."""

    lines: list[AnswerLineIn] = Field(min_length=1, max_length=5000)

    @field_validator("lines")
    @classmethod
    def _each_line_once(cls, lines: list[AnswerLineIn]) -> list[AnswerLineIn]:
        seen = [line.line_id for line in lines]
        if len(set(seen)) != len(seen):
            raise ValueError("a line is answered more than once")
        return lines


class PartyOut(RowOut):
    kind: str
    name: str
    id_number: str


class FiledCaseOut(RowOut):
    """A case intake filed after mediation failed, as the enforcement bureau knows it: the parties a letter on it
    names (its respondents are the only ones an inquiry on it may name)."""

    case_number: str
    court_code: str
    claimant: dict[str, str] = Field(description='The claimant bank: {"name", "code"}.')
    respondents: list[PartyOut]
    claim_total: Decimal
    filed_at: datetime


class PartyContactOut(PartyOut):
    phone: str | None
    address: str | None


class FreezeOut(RowOut):
    authority: str
    amount: Decimal


class AccountOut(RowOut):
    account_masked: str
    account_type: str
    balance: Decimal
    freezes: list[FreezeOut]


class QueryLineOut(RowOut):
    line_id: str = Field(validation_alias="id")
    bank_code: str
    bank_name: str
    party: PartyOut
    status: LineStatus
    query_id: str | None
    accounts: list[AccountOut] | None
    resolved_at: datetime | None


class AdviceOut(RowOut):
    conclusion: str
    claim_amount: Decimal
    recoverable_amount: Decimal
    proposed_changes: list[str]
    reasons: str
    officer: str
    issued_at: datetime


class InstalmentOut(RowOut):
    due_date: date
    amount: Decimal


class TermsOut(RowOut):
    amount: Decimal
    instalments: list[InstalmentOut]
    guarantor_liability: str
    guarantors: list[PartyContactOut]
    interest_formula: str | None
    performance_deadline: date | None


class BankOut(RowOut):
    code: str
    name: str


class PropertyLeadOut(RowOut):
    kind: str
    description: str
    bank: BankOut | None


class InquiryOut(RowOut):
    id: str
    court_code: str
    case_number: str
    parties_from_intake: bool
    status: InquiryStatus
    urgent: bool
    judge: str
    respondents: list[PartyOut]
    claim_amount: Decimal
    terms: TermsOut
    questions: list[str]
    property_leads: list[PropertyLeadOut]
    submitted_at: datetime
    due_at: datetime
    overdue: bool
    ends_on: dict[str, date] = Field(
        default_factory=dict, description="The Beijing-time day each deadline ends on (at 24:00): due_at"
    )
    calendar_warning: str | None = Field(
        None, description="Set when a deadline falls in a year whose holiday arrangement is not published yet"
    )
    calendar_warning_zh: str | None = Field(None, description="`calendar_warning` in Chinese")
    officer: str | None
    accepted_at: datetime | None
    assets_ready_at: datetime | None
    recoverable_estimate: Decimal
    advice: AdviceOut | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, inquiry: Inquiry, *, now: datetime, recoverable_estimate: Decimal, **more: Any) -> Self:
        """The inquiry as the API shows it at `now`; the estimate comes from its bank lines, `more` gives a detail
        view's further fields."""
        return cls.from_row(
            inquiry,
            overdue=is_overdue(inquiry, now),
            recoverable_estimate=recoverable_estimate,
            **deadline_fields(due_at=inquiry.due_at),
            **more,
        )


class TimelineOut(RowOut):
    at: datetime
    kind: str
    actor: str | None
    detail: dict[str, Any]


class InquiryDetailOut(InquiryOut):
    lines: list[QueryLineOut]
    timeline: list[TimelineOut]


class SubjectOut(RowOut):
    line_id: str = Field(validation_alias="id")
    party: PartyOut


class AssetQueryOut(RowOut):
    id: str
    court_code: str
    bank_code: str
    bank_name: str
    status: QueryStatus
    requested_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    subjects: list[SubjectOut]


class BankFiguresOut(BaseModel):
    bank_code: str
    queries: int
    answered: int
    expired: int
    median_answer_hours: Decimal | None


class StatisticsOut(BaseModel):
    court_code: str
    period_from: date
    period_to: date
    inquiries: int
    urgent: int
    advised: int
    open: int
    overdue: int
    median_turnaround_hours: Decimal | None
    within_service_level: int
    share_within_service_level: Decimal | None
    advice_by_conclusion: dict[str, int]
    banks: list[BankFiguresOut]
    per_month: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Per month of the letter (Beijing time, YYYY-MM): inquiries, advised, within_service_level; "
        "months without an inquiry are left out",
    )
