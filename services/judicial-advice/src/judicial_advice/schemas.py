"""Request and response models of the judicial-advice API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Self

from courtlink_shared.identifiers.case_number import parse_case_number
from courtlink_shared.identifiers.credit_code import check_credit_code
from courtlink_shared.inputs import StrictInput
from courtlink_shared.responses import RowOut, deadline_fields
from pydantic import BaseModel, Field, model_validator

from judicial_advice.rules import DEFAULT_REPLY_MONTHS, AdviceStatus, recommendations_match, reply_overdue

if TYPE_CHECKING:
    from judicial_advice.models import Advice


class _In(StrictInput):
    pass


class Recommendation(_In):
    problem: int = Field(ge=0, description="Index of the problem this recommendation answers.")
    text: str = Field(min_length=1, max_length=2000)


class AdviceIn(_In):
    """The content of a draft (a new version each time it is saved)."""

    title: str = Field(min_length=1, max_length=200)
    recipient_name: str = Field(min_length=1, max_length=100)
    recipient_code: str = Field(description="The recipient's unified social credit code.")
    superior_authority: str | None = Field(default=None, max_length=100)
    cc: list[dict[str, str]] = Field(default_factory=list, description='Copied units: [{"name", "code"}].')
    related_cases: list[str] = Field(default_factory=list, description="Case numbers of the class of cases.")
    background: str = Field(min_length=1, max_length=5000)
    problems: list[str] = Field(min_length=1, max_length=20)
    recommendations: list[Recommendation] = Field(min_length=1, max_length=20)
    reply_months: int = Field(default=DEFAULT_REPLY_MONTHS, ge=1, le=6)
    extended_deadline_basis: str | None = Field(default=None, max_length=500)
    contact_person: str = Field(min_length=1, max_length=50)
    contact_phone: str = Field(pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
    attachments: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> AdviceIn:
        check_credit_code(self.recipient_code)
        if not recommendations_match(self.problems, self.recommendations):
            raise ValueError("recommendations must match the problems one to one")
        if sorted(r.problem for r in self.recommendations) != list(range(len(self.problems))):
            raise ValueError("each problem needs exactly one recommendation")
        if self.reply_months > DEFAULT_REPLY_MONTHS and not self.extended_deadline_basis:
            raise ValueError("a reply deadline beyond two months needs its legal basis recorded")
        for number in self.related_cases:
            parse_case_number(number)
        return self


class CommentsIn(_In):
    comments: str = Field(min_length=1, max_length=5000)


class DeliveryIn(_In):
    method: Literal["electronic", "in_person", "post"]
    proof: str = Field(min_length=1, max_length=500, description="Receipt number, signature record or tracking id.")


class ReplyIn(_In):
    adoption: Literal["adopted", "partly_adopted", "not_adopted"]
    measures: str = Field(min_length=1, max_length=5000)
    reasons: str | None = Field(default=None, max_length=5000)
    attachments: list[str] = Field(default_factory=list)
    final: bool = Field(default=True, description="False for a reply in stages that is not the last one.")


class EvaluationIn(_In):
    effectiveness: Literal["effective", "partly_effective", "ineffective"]
    return_visit: str = Field(min_length=1, max_length=2000, description="What the return visit (回访) found.")


class AdviceOut(RowOut):
    id: str
    court_code: str
    status: AdviceStatus
    version: int
    number: str | None
    title: str
    recipient_name: str
    recipient_code: str
    superior_authority: str | None
    cc: list[Any]
    content: dict[str, Any]
    reply_months: int
    issued_at: datetime | None
    delivered_at: datetime | None
    reply_deadline: datetime | None
    overdue: bool
    ends_on: dict[str, date] = Field(
        default_factory=dict, description="The Beijing-time day each deadline ends on (at 24:00): reply_deadline"
    )
    calendar_warning: str | None = Field(
        None, description="Set when a deadline falls in a year whose holiday arrangement is not published yet"
    )
    calendar_warning_zh: str | None = Field(None, description="`calendar_warning` in Chinese")
    final_reply_at: datetime | None
    adoption: str | None
    archived_at: datetime | None

    @classmethod
    def of(cls, advice: Advice, now: datetime, **more: Any) -> Self:
        """The advice as the API shows it at `now`; `more` gives a detail view's further fields."""
        deadlines = deadline_fields(reply_deadline=advice.reply_deadline)
        return cls.from_row(advice, overdue=reply_overdue(advice, now), **deadlines, **more)


class TimelineOut(RowOut):
    at: datetime
    kind: str
    actor: str | None
    organisation: str | None
    detail: dict[str, Any]


class VersionOut(BaseModel):
    """One saved version of an advice's content, as it was drafted or revised."""

    version: int
    content: dict[str, Any] = Field(description="The whole draft as saved: the fields of AdviceIn.")
    saved_by: str
    saved_at: datetime


class AdviceDetailOut(AdviceOut):
    timeline: list[TimelineOut]
    versions: int


class StatisticsOut(BaseModel):
    court_code: str
    year: int
    issued: int
    delivered: int
    due_or_replied: int
    replied: int
    replied_on_time: int
    adopted: int
    reply_rate: Decimal | None
    on_time_rate: Decimal | None
    adoption_rate: Decimal | None
    overdue: list[AdviceOut]
    per_recipient: dict[str, dict[str, int]]
    per_month: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Per month of signing (Beijing time, YYYY-MM): issued, replied; months without an issued advice "
        "are left out",
    )
