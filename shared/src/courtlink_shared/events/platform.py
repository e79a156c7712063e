"""Events of the platform itself on `platform.calendar` (key: the year): the official calendar the court maintains."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from courtlink_shared.events.common import Actor
from courtlink_shared.events.envelope import EventData
from courtlink_shared.events.registry import register
from courtlink_shared.events.topics import PLATFORM_CALENDAR


@register
class CalendarArrangementLoaded(EventData):
    """The court's administrator loaded the State Council's holiday arrangement for a year (国务院办公厅关于部分节假日
    安排的通知): every replica of every service counts periods on it from then on."""

    topic = PLATFORM_CALENDAR
    event_type = "platform.calendar.arrangement_loaded"
    year: int
    holidays: list[date] = Field(description="Every day off, weekend days inside a holiday included")
    working_days: list[date] = Field(description="Adjusted working days (调休上班): weekend days that are worked")
    notice: str = Field(description="The State Council notice the arrangement comes from")
    by: Actor
    loaded_at: AwareDatetime
