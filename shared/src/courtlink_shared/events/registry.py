"""Which model reads which (type, dataversion); consumers accept several versions side by side."""

from __future__ import annotations

from typing import TypeVar

from courtlink_shared.events.envelope import Envelope, EventData

E = TypeVar("E", bound=type[EventData])

EVENT_TYPES: dict[tuple[str, str], type[EventData]] = {}


def register(model: E) -> E:
    """Class decorator: make the model the reader of its (event_type, dataversion)."""
    key = (model.event_type, model.dataversion)
    if key in EVENT_TYPES:
        raise ValueError(f"event {key} registered twice")
    EVENT_TYPES[key] = model
    return model


class UnknownEventType(LookupError):
    """No model is registered for an envelope's type and data version."""


def parse_event(envelope: Envelope) -> EventData:
    """The typed data of an envelope; raises UnknownEventType or pydantic.ValidationError."""
    model = EVENT_TYPES.get((envelope.type, envelope.dataversion))
    if model is None:
        raise UnknownEventType(f"no model for event {envelope.type} v{envelope.dataversion}")
    return model.model_validate(envelope.data)
