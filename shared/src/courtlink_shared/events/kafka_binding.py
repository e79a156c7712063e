"""CloudEvents on Kafka: the Kafka protocol binding of CloudEvents 1.0 in structured content mode.

What a Courtlink event is on the wire:
- header `content-type: application/cloudevents+json`, and `traceparent` (W3C trace context) when the request that
  caused the event carried one; no `ce_` header at all, because readers that detect the mode from headers (the
  CloudEvents Python SDK 2.x does) take any `ce_` header for binary mode;
- value: the whole envelope in the JSON event format (attributes and `data` in one object);
- key: the stream's partition key (dispute id, inquiry id, bank code, advice id), so one aggregate's events keep
  their order.

Readers accept three forms, so that events written before the switch keep being handled:
- structured mode (the above);
- binary mode (every attribute as a `ce_` header, the data as the value with its own `content-type`);
- the legacy form: no `content-type` header, a few `ce_` headers without `ce_specversion`, the envelope as value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from courtlink_shared.events.envelope import Envelope

CONTENT_TYPE = "application/cloudevents+json"
"""The media type of the JSON event format: announces structured mode."""

CONTENT_TYPE_HEADER = "content-type"
TRACEPARENT_HEADER = "traceparent"
FORWARDED_HEADERS = (TRACEPARENT_HEADER,)
"""Transport headers kept from an outbox row; anything else stored there (rows written before the switch carried
`ce_type`, `ce_id`, `correlationid`) is left out, since those attributes are in the value already."""

_CE_PREFIX = "ce_"
_JSON_MEDIA_TYPES = ("application/json", "text/json")


class UnreadableEvent(ValueError):
    """A Kafka record that is not a CloudEvent this library can read (or not a valid envelope)."""


def structured_value(envelope: Envelope) -> str:
    """The record value of an event: the envelope in the JSON event format.

    An unset optional attribute (`causationid`) is left out rather than written as null: the JSON format allows
    both, and some readers handle only the first.
    """
    return envelope.model_dump_json(exclude_none=True)


def kafka_headers(stored: Mapping[str, Any] | None) -> list[tuple[str, bytes]]:
    """The headers of a record in structured mode, from the transport headers stored with its outbox row."""
    headers = [(CONTENT_TYPE_HEADER, CONTENT_TYPE.encode())]
    for name in FORWARDED_HEADERS:
        if stored and stored.get(name) is not None:
            headers.append((name, str(stored[name]).encode()))
    return headers


def from_kafka(value: bytes | None, headers: Iterable[tuple[str, bytes]] | None) -> Envelope:
    """The envelope of a record in structured mode, binary mode or the legacy form; raises UnreadableEvent.

    The mode is told as the binding says: a `content-type` starting with `application/cloudevents` is structured
    mode; otherwise `ce_` headers carry the attributes (binary mode). A record with neither a `content-type` nor a
    `ce_specversion` header is the legacy form.
    """
    by_name = {name.lower(): raw for name, raw in headers or ()}
    content_type = _text(by_name.get(CONTENT_TYPE_HEADER))
    try:
        if content_type is not None and _media_type(content_type).startswith("application/cloudevents"):
            if _media_type(content_type) != CONTENT_TYPE:
                raise UnreadableEvent(f"event format {content_type!r} is not supported (only {CONTENT_TYPE})")
            return Envelope.model_validate_json(value or b"")
        if f"{_CE_PREFIX}specversion" in by_name:
            return _from_binary(value, by_name, content_type)
        if content_type is None:
            return Envelope.model_validate_json(value or b"")
    except ValidationError as exc:
        raise UnreadableEvent(str(exc)) from exc
    raise UnreadableEvent(f"content-type {content_type!r} without CloudEvents headers: not a CloudEvent")


def _from_binary(value: bytes | None, headers: Mapping[str, bytes], content_type: str | None) -> Envelope:
    attributes: dict[str, Any] = {
        name[len(_CE_PREFIX) :]: _text(raw) for name, raw in headers.items() if name.startswith(_CE_PREFIX)
    }
    if content_type is not None and _media_type(content_type) not in _JSON_MEDIA_TYPES:
        raise UnreadableEvent(f"data of content type {content_type!r} is not JSON")
    try:
        attributes["data"] = json.loads(value or b"")
    except ValueError as exc:
        raise UnreadableEvent(f"data is not JSON: {exc}") from exc
    attributes["datacontenttype"] = "application/json"
    return Envelope.model_validate(attributes)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise UnreadableEvent("a header is not UTF-8") from exc
