"""Events on `advice.items` (key: advice id): judicial advice (司法建议) from draft to archive."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from courtlink_shared.events.common import Actor, Organisation
from courtlink_shared.events.envelope import EventData
from courtlink_shared.events.registry import register
from courtlink_shared.events.topics import ADVICE_ITEMS


class _AdviceEvent(EventData):
    topic = ADVICE_ITEMS
    advice_id: str
    by: Actor
    at: AwareDatetime


@register
class AdviceDrafted(_AdviceEvent):
    event_type = "advice.item.drafted"
    court_code: str
    recipient: Organisation
    title: str


@register
class AdviceSubmitted(_AdviceEvent):
    event_type = "advice.item.submitted"
    version: int


@register
class AdviceReturned(_AdviceEvent):
    event_type = "advice.item.returned"
    comments: str


@register
class AdviceApproved(_AdviceEvent):
    """Approved by the judicial committee."""

    event_type = "advice.item.approved"


@register
class AdviceIssued(_AdviceEvent):
    """Signed by the president and numbered `{place}法建〔{year}〕{n}号`."""

    event_type = "advice.item.issued"
    number: str


@register
class AdviceDelivered(_AdviceEvent):
    event_type = "advice.item.delivered"
    method: Literal["electronic", "in_person", "post"]
    reply_deadline: AwareDatetime


@register
class AdviceAcknowledged(_AdviceEvent):
    """The recipient signed for receipt."""

    event_type = "advice.item.acknowledged"


@register
class AdviceReplied(_AdviceEvent):
    event_type = "advice.item.replied"
    adoption: Literal["adopted", "partly_adopted", "not_adopted"]
    final: bool
    on_time: bool


@register
class AdviceOverdue(_AdviceEvent):
    event_type = "advice.item.overdue"
    reply_deadline: AwareDatetime


@register
class AdviceEvaluated(_AdviceEvent):
    event_type = "advice.item.evaluated"
    effectiveness: Literal["effective", "partly_effective", "ineffective"]


@register
class AdviceArchived(_AdviceEvent):
    event_type = "advice.item.archived"
