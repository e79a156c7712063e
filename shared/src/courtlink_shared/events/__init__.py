"""The event contracts: the CloudEvents envelope and one pydantic model per event type of every topic.

Importing this package registers every event type (see registry.EVENT_TYPES).
"""

from courtlink_shared.events import advice, enforcement, intake, mediation, platform  # noqa: F401  (registers the events)
from courtlink_shared.events.envelope import Envelope, EventData
from courtlink_shared.events.registry import EVENT_TYPES, parse_event
from courtlink_shared.events.topics import TOPICS, Topic

__all__ = ["EVENT_TYPES", "TOPICS", "Envelope", "EventData", "Topic", "parse_event"]
