"""Request and response models of the intake API (pydantic).

Input is normalised before it is validated (full-width to half-width, blanks trimmed, `x` upper-cased in
identifiers); every fault is reported field by field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.identifiers.money import MAX_CLAIM
from courtlink_shared.inputs import (
    Amount,
    Code,
    CourtCode,
    PartyIn,
    StrictInput,
    Text,
    check_organisation_code,
)
from courtlink_shared.responses import RowOut
from courtlink_shared.spreadsheet_values import bilingual_error, calendar_date
from courtlink_shared.spreadsheets import starts_like_formula
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo, computed_field, field_validator

from intake.rules import BATCH_MAX_ROWS, DISPUTE_TYPES, DisputeStatus

if TYPE_CHECKING:
    from intake.models import Dispute


def _not_in_future(value: date) -> date:
    if value > datetime.now(SHANGHAI).date():
        raise ValueError("date is in the future")
    return value


PastDate = Annotated[date, BeforeValidator(calendar_date), AfterValidator(_not_in_future)]
DisputeType = Literal[DISPUTE_TYPES]  # type: ignore[valid-type]


class ClaimantIn(StrictInput):
    name: Text = Field(min_length=1, max_length=100, description="The bank's name.")
    code: Code = Field(description="The bank's unified social credit code; must be the token's organisation.")

    @field_validator("code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        return check_organisation_code(value)


RespondentIn = PartyIn


class ClaimIn(StrictInput):
    principal: Amount = Field(gt=0)
    interest: Amount = Field(default=Decimal("0.00"), ge=0)
    penalty: Amount = Field(default=Decimal("0.00"), ge=0)
    fees: Amount = Field(default=Decimal("0.00"), ge=0)
    total: Amount = Field(gt=0, le=MAX_CLAIM, description="Must equal principal + interest + penalty + fees.")

    @field_validator("total")
    @classmethod
    def _total_is_the_sum(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        parts: list[Decimal] = [info.data[k] for k in ("principal", "interest", "penalty", "fees") if k in info.data]
        if len(parts) == 4 and sum(parts, Decimal("0")) != value:
            raise ValueError(f"total {value} is not the sum of its parts ({sum(parts, Decimal('0'))})")
        return value


class EvidenceIn(StrictInput):
    name: Text = Field(min_length=1, max_length=200)
    sha256: Annotated[str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)] = Field(
        pattern=r"^[0-9a-f]{64}$"
    )
    size: int = Field(gt=0, le=2 * 1024**3)


class DisputeIn(StrictInput):
    """One financial dispute as a bank submits it."""

    bank_reference: Code = Field(min_length=1, max_length=64, description="The bank's own reference (idempotency key).")
    dispute_type: DisputeType
    claimant: ClaimantIn
    respondents: list[RespondentIn] = Field(min_length=1, max_length=20)
    claim: ClaimIn
    contract_number: Code = Field(min_length=1, max_length=64)
    default_date: PastDate
    court_code: CourtCode
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=100)

    @field_validator("bank_reference")
    @classmethod
    def _not_a_formula(cls, value: str) -> str:
        # The reference is echoed in reports banks open in a spreadsheet: one that reads as a formula there is
        # refused at the door (OWASP CSV injection), not only neutralised on the way out.
        if starts_like_formula(value):
            raise bilingual_error(
                "formula_reference",
                "must not start with =, +, - or @: a spreadsheet would run it as a formula",
                "不得以 =、+、-、@ 开头：电子表格会把它当作公式执行",
            )
        return value


class BatchIn(StrictInput):
    """Up to 10,000 disputes in one JSON batch."""

    disputes: list[dict[str, Any]] = Field(min_length=1, max_length=BATCH_MAX_ROWS)


class NoticeOut(BaseModel):
    template: str
    issued_at: datetime
    html_url: str
    pdf_url: str

    @classmethod
    def of(cls, dispute: Dispute) -> NoticeOut | None:
        """The pre-litigation mediation notice, once the dispute was routed with one."""
        if not (dispute.notice_template and dispute.routed_at):
            return None
        base = f"/disputes/{dispute.id}/notice"
        return cls(template=dispute.notice_template, issued_at=dispute.routed_at, html_url=base, pdf_url=f"{base}.pdf")


class TimelineEntryOut(RowOut):
    at: datetime
    kind: str
    summary: str
    actor: str | None
    detail: dict[str, Any]


class ClaimantOut(BaseModel):
    name: str
    code: str


class RespondentOut(RowOut):
    kind: str
    name: str
    id_number: str
    phone: str | None
    address: str | None


class ClaimOut(RowOut):
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    fees: Decimal
    total: Decimal


class DisputeOut(RowOut):
    id: str
    status: DisputeStatus
    bank_reference: str
    dispute_type: str
    claimant: ClaimantOut
    respondents: list[RespondentOut]
    claim: ClaimOut
    contract_number: str
    default_date: date
    court_code: str
    evidence: list[dict[str, Any]]
    mediation_number: str | None
    case_number: str | None
    notice: NoticeOut | None
    probable_duplicate_of: str | None
    batch_id: str | None
    warnings: list[str]
    submitted_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, dispute: Dispute, **more: Any) -> Self:
        """The dispute as the API shows it: the claimant bank and the amounts claimed read from the dispute's
        own columns, the notice once it is issued; `more` gives a detail view's further fields."""
        claimant = ClaimantOut(name=dispute.bank_name, code=dispute.bank_code)
        return cls.from_row(dispute, claimant=claimant, claim=dispute, notice=NoticeOut.of(dispute), **more)


class DisputeDetailOut(DisputeOut):
    timeline: list[TimelineEntryOut]


class DisputePage(BaseModel):
    items: list[DisputeOut]
    next_cursor: str | None


class WithdrawIn(StrictInput):
    reason: Text = Field(min_length=1, max_length=500)


class DuplicateReviewIn(StrictInput):
    decision: Literal["reject", "route"]
    reason: Text = Field(min_length=1, max_length=500)


class BatchOut(RowOut):
    id: str
    status: Literal["processing", "completed"]
    source: str
    total_rows: int
    processed_rows: int
    accepted: int
    existing: int
    probable_duplicates: int
    rejected: int
    created_at: datetime
    completed_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def report_url(self) -> str:
        return f"/batches/{self.id}/report"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def report_csv_url(self) -> str:
        return f"/batches/{self.id}/report.csv"


class BatchRowOut(RowOut):
    row_number: int
    bank_reference: str | None
    outcome: Literal["accepted", "existing", "probable_duplicate", "rejected"]
    dispute_id: str | None
    errors: list[dict[str, Any]]


class BatchReportOut(BaseModel):
    batch: BatchOut
    rows: list[BatchRowOut]


class StatisticsOut(BaseModel):
    period_from: date
    period_to: date
    court_code: str | None
    bank_code: str | None
    accepted: int
    routed: int
    diversion_rate: Decimal | None
    mediations_closed: int
    settled: int
    mediation_success_rate: Decimal | None
    filed_after_failure: int
    filing_after_failure_rate: Decimal | None
