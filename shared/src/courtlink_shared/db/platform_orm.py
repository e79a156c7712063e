"""ORM classes over the platform tables, so that outbox rows and deadlines written in a business transaction
join its unit of work: added, not executed one by one, and inserted together (executemany) at flush."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import registry

from courtlink_shared.db.platform_tables import deadlines, outbox

_registry = registry()


class OutboxRow:
    """One event waiting in the outbox."""

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    event_id: str
    topic: str
    key: str
    event_type: str
    payload: str
    headers: dict[str, str]
    created_at: datetime


class DeadlineRow:
    """One scheduled deadline."""

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]


_registry.map_imperatively(OutboxRow, outbox)
_registry.map_imperatively(DeadlineRow, deadlines)
