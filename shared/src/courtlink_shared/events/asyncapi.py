"""The AsyncAPI 3 document of every topic and event, generated from the event models.

`uv run python -m courtlink_shared.events.asyncapi > docs/asyncapi.json` refreshes the committed copy;
a test fails when the copy is out of date, and another has the official AsyncAPI parser read it.

Every schema lives in `components/schemas` (the data models and the value objects they nest, generated together
so that each `$ref` points inside this document); each message declares the Kafka headers that really travel,
its key (Kafka message binding) and the CloudEvents content type of structured mode (events/kafka_binding.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from courtlink_shared.events import EVENT_TYPES, TOPICS, Envelope, EventData
from courtlink_shared.events.kafka_binding import CONTENT_TYPE, CONTENT_TYPE_HEADER, TRACEPARENT_HEADER
from courtlink_shared.events.topics import Topic

KAFKA_BINDING_VERSION = "0.5.0"
SCHEMAS = "#/components/schemas/"
HEADERS_SCHEMA = "KafkaHeaders"

DESCRIPTION = f"""Events exchanged by the Courtlink services over Apache Kafka, as CloudEvents 1.0.

Every record follows the CloudEvents Kafka protocol binding in structured content mode: the header
`{CONTENT_TYPE_HEADER}: {CONTENT_TYPE}`, the whole event (attributes and `data`) in the value in the JSON event
format, and the stream's partition key as the record key, so that one aggregate's events stay in order. No `ce_`
header is sent. Extension attributes: `dataversion` (the version of the data schema; a breaking change is a new
version, published side by side), `correlationid` (one business flow) and `causationid` (the event or request that
caused this one). Consumers deduplicate on `id`: delivery is at least once.

Records written before structured mode carry no `{CONTENT_TYPE_HEADER}` header, only `ce_type`, `ce_id` and
`correlationid` headers, and the same envelope as value; Courtlink's own consumers read both.

Topic names get the deployment's `KAFKA_TOPIC_PREFIX`; each topic has a dead-letter twin `<topic>.dlq`."""


def _message_name(event_type: str, version: str) -> str:
    return f"{event_type}.v{version}"


def _channel_id(topic: Topic) -> str:
    return topic.name.replace(".", "_").replace("-", "_")


def _component_schemas() -> tuple[dict[str, Any], dict[type[BaseModel], str]]:
    """All schemas in one namespace (`$ref`s into components/schemas), and the component name of each model."""
    models: list[type[BaseModel]] = [Envelope, *(model for _, model in sorted(EVENT_TYPES.items()))]
    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "serialization") for model in models]
    refs, top = models_json_schema(inputs, ref_template=SCHEMAS + "{model}")
    names = {model: refs[(model, mode)]["$ref"].removeprefix(SCHEMAS) for model, mode in inputs}
    schemas: dict[str, Any] = dict(top["$defs"])
    envelope = dict(schemas[names[Envelope]])
    envelope["properties"] = {k: v for k, v in envelope["properties"].items() if k != "data"}
    # Every attribute the producer always writes is required (pydantic leaves out those with defaults);
    # causationid is optional and absent when unset.
    envelope["required"] = [name for name, field in Envelope.model_fields.items() if field.default is not None]
    envelope["required"].remove("data")
    schemas[names[Envelope]] = envelope
    schemas[HEADERS_SCHEMA] = _headers_schema()
    return schemas, names


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Kafka record headers of every Courtlink event.",
        "properties": {
            CONTENT_TYPE_HEADER: {
                "type": "string",
                "const": CONTENT_TYPE,
                "description": "Structured content mode of the CloudEvents Kafka binding (JSON event format).",
            },
            TRACEPARENT_HEADER: {
                "type": "string",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C trace context, present when the request that caused the event carried one.",
            },
        },
        "required": [CONTENT_TYPE_HEADER],
    }


def _message(event_type: str, version: str, model: type[EventData], data_name: str, envelope_name: str) -> Any:
    topic = model.topic
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": (model.__doc__ or event_type).strip().splitlines()[0],
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": SCHEMAS + HEADERS_SCHEMA},
        "correlationId": {
            "description": "The business flow the event belongs to.",
            "location": "$message.payload#/correlationid",
        },
        "payload": {
            "allOf": [
                {"$ref": SCHEMAS + envelope_name},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": event_type},
                        "dataversion": {"const": version},
                        "data": {"$ref": SCHEMAS + data_name},
                    },
                    "required": ["data"],
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"The {topic.key}: the partition key of {topic.name}."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def asyncapi_document() -> dict[str, Any]:
    """The whole document as a dict."""
    schemas, names = _component_schemas()
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        channel_id = _channel_id(topic)
        channel_messages: dict[str, Any] = {}
        for (event_type, version), model in sorted(EVENT_TYPES.items()):
            if model.topic != topic:
                continue
            name = _message_name(event_type, version)
            messages[name] = _message(event_type, version, model, names[model], names[Envelope])
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {
            "address": topic.name,
            "title": topic.name,
            "description": f"{topic.description} Key: {topic.key}. Dead letters go to {topic.dead_letter()}.",
            "messages": channel_messages,
            "bindings": {
                "kafka": {"topic": topic.name, "partitions": topic.partitions, "bindingVersion": KAFKA_BINDING_VERSION}
            },
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "title": f"{' or '.join(topic.producers)} publishes {topic.name}",
            "summary": f"Events of {topic.name}, keyed by {topic.key}, in order per key.",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in channel_messages],
            "bindings": {
                "kafka": {
                    "clientId": {
                        "type": "string",
                        "description": "The publishing service's outbox relay: `<SERVICE_NAME>-relay`.",
                        "examples": [f"{producer}-relay" for producer in topic.producers],
                    },
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Courtlink events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    """The document as stable, pretty JSON."""
    return json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
