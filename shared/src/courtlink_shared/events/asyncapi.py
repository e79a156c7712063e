"""The AsyncAPI 3 document of every topic and event, generated from the event models.

`uv run python -m courtlink_shared.events.asyncapi > docs/asyncapi.json` refreshes the committed copy;
a test fails when the copy is out of date.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from courtlink_shared.events import EVENT_TYPES, TOPICS, Envelope


def _message_name(event_type: str, version: str) -> str:
    return f"{event_type}.v{version}"


def asyncapi_document() -> dict[str, Any]:
    """The whole document as a dict."""
    envelope_schema = Envelope.model_json_schema()
    envelope_schema["properties"].pop("data")
    envelope_schema["required"] = [r for r in envelope_schema["required"] if r != "data"]
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        channel_messages: dict[str, Any] = {}
        for (event_type, version), model in sorted(EVENT_TYPES.items()):
            if model.topic != topic:
                continue
            name = _message_name(event_type, version)
            data_schema = model.model_json_schema(mode="serialization")
            messages[name] = {
                "name": event_type,
                "title": model.__name__,
                "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else event_type,
                "contentType": "application/json",
                "headers": {"type": "object", "properties": {"traceparent": {"type": "string"}}},
                "correlationId": {"location": "$message.payload#/correlationid"},
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Envelope"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": event_type},
                                "dataversion": {"const": version},
                                "data": data_schema,
                            },
                        },
                    ]
                },
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channel_id = topic.name.replace(".", "_").replace("-", "_")
        channels[channel_id] = {
            "address": topic.name,
            "description": f"{topic.description} Key: {topic.key}. Dead letters go to {topic.dead_letter()}.",
            "messages": channel_messages,
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Courtlink events",
            "version": "1.0.0",
            "description": "Events exchanged by the Courtlink services over Apache Kafka (CloudEvents envelope).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {"Envelope": envelope_schema}, "messages": messages},
    }


def render() -> str:
    """The document as stable, pretty JSON."""
    return json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
