"""Events on `enforcement.inquiries` (key: inquiry id) and `enforcement.asset-queries` (key: bank code)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from courtlink_shared.events.common import Party, Value
from courtlink_shared.events.envelope import EventData
from courtlink_shared.events.registry import register
from courtlink_shared.events.topics import ENFORCEMENT_ASSET_QUERIES, ENFORCEMENT_INQUIRIES
from courtlink_shared.identifiers.money import Money

AdviceConclusion = Literal["enforceable", "enforceable_with_changes", "enforcement_difficult", "recommend_preservation"]


class _InquiryEvent(EventData):
    topic = ENFORCEMENT_INQUIRIES
    inquiry_id: str


@register
class InquirySubmitted(_InquiryEvent):
    """A trial judge sent an enforcement feasibility inquiry (执行咨询函)."""

    event_type = "enforcement.inquiry.submitted"
    court_code: str
    case_number: str
    respondents: list[Party] = Field(min_length=1)
    urgent: bool
    submitted_at: AwareDatetime


@register
class InquiryAccepted(_InquiryEvent):
    """The enforcement bureau accepted the inquiry and assigned an officer."""

    event_type = "enforcement.inquiry.accepted"
    officer: str
    accepted_at: AwareDatetime
    due_at: AwareDatetime


@register
class EnforcementAdviceIssued(_InquiryEvent):
    """The officer issued enforcement advice (执行建议)."""

    event_type = "enforcement.inquiry.advice_issued"
    conclusion: AdviceConclusion
    claim_amount: Money
    recoverable_amount: Money
    issued_at: AwareDatetime


@register
class InquiryOverdue(_InquiryEvent):
    """The inquiry passed its service-level deadline without advice."""

    event_type = "enforcement.inquiry.overdue"
    due_at: AwareDatetime
    detected_at: AwareDatetime


class QuerySubject(Value):
    """One respondent in a consolidated query, tied to the inquiry that needs the answer."""

    line_id: str
    inquiry_id: str
    party: Party


class _AssetQueryEvent(EventData):
    topic = ENFORCEMENT_ASSET_QUERIES
    query_id: str
    bank_code: str


@register
class AssetQueryRequested(_AssetQueryEvent):
    """One consolidated list of respondents sent to one bank."""

    event_type = "enforcement.asset_query.requested"
    court_code: str
    subjects: list[QuerySubject] = Field(min_length=1)
    requested_at: AwareDatetime
    expires_at: AwareDatetime


class Freeze(Value):
    """An existing freeze on an account."""

    authority: str
    amount: Money


class Account(Value):
    """An account the bank reports (number masked)."""

    account_masked: str
    account_type: str
    balance: Money
    freezes: list[Freeze] = Field(default_factory=list)


class AnswerLine(Value):
    """The accounts found for one subject of the query."""

    line_id: str
    accounts: list[Account]


@register
class AssetQueryAnswered(_AssetQueryEvent):
    """The bank answered its query."""

    event_type = "enforcement.asset_query.answered"
    lines: list[AnswerLine]
    answered_at: AwareDatetime


@register
class AssetQueryExpired(_AssetQueryEvent):
    """The bank did not answer in time; the inquiries proceed without it."""

    event_type = "enforcement.asset_query.expired"
    expired_at: AwareDatetime
