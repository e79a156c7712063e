"""The CloudEvents envelope every Courtlink event travels in, and the base class of event data."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from courtlink_shared.events.topics import Topic


class EventData(BaseModel):
    """Base of every event's `data`. Subclasses name their type, topic and data version.

    Consumers ignore fields they do not know, so that fields can be added within a data version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    dataversion: ClassVar[str] = "1"


class Envelope(BaseModel):
    """CloudEvents attributes plus our correlation and causation ids; `data` is the event's payload."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(description="Unique event id; consumers deduplicate on it.")
    type: str = Field(description="Event type, e.g. intake.dispute.routed.")
    source: str = Field(description="The service that emitted the event.")
    subject: str = Field(description="Id of the aggregate the event is about (its stream key).")
    time: AwareDatetime = Field(description="When the event happened (UTC).")
    dataversion: str = Field(description="Version of the data schema; a breaking change is a new version.")
    datacontenttype: Literal["application/json"] = "application/json"
    correlationid: str = Field(description="Id shared by every event and request of one business flow.")
    causationid: str | None = Field(default=None, description="Id of the event or request that caused this one.")
    data: dict[str, Any]


def make_envelope(
    data: EventData,
    *,
    source: str,
    subject: str,
    time: datetime,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Wrap event data; a new flow starts its own correlation id when none is given.

    The data is a validated model already, so the envelope is built without validating it a second time
    (events are emitted by the thousand in a burst); only the time needs checking.
    """
    if time.tzinfo is None:
        raise ValueError("an event's time must be timezone-aware")
    event_id = uuid.uuid4()
    return Envelope.model_construct(
        id=event_id,
        type=data.event_type,
        source=source,
        subject=subject,
        time=time,
        dataversion=data.dataversion,
        correlationid=correlation_id or str(event_id),
        causationid=causation_id,
        data=data.model_dump(mode="json"),
    )
