"""The transactional outbox: events are written in the caller's transaction, next to the state they describe.

The relay (relay.py) publishes them afterwards; a Kafka outage delays events, never loses them or fails a request.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from courtlink_shared.db.buffered_inserts import buffer_insert
from courtlink_shared.db.platform_tables import outbox
from courtlink_shared.db.transaction_state import after_commit, transaction_state
from courtlink_shared.events.envelope import Envelope, EventData, make_envelope
from courtlink_shared.events.kafka_binding import TRACEPARENT_HEADER, structured_value
from courtlink_shared.observability import context

NOTIFY_CHANNEL = "courtlink_outbox"

# Relays in this process wait on this; emit() sets it after commit so events leave at once on SQLite too.
_local_wakeup: asyncio.Event | None = None


def local_wakeup() -> asyncio.Event:
    """The in-process wake-up event of relays (created lazily in the running loop)."""
    global _local_wakeup
    if _local_wakeup is None:
        _local_wakeup = asyncio.Event()
    return _local_wakeup


def _first_in_transaction(session: AsyncSession) -> bool:
    """True for the first event of a transaction; it also arranges the in-process wake-up after the commit."""
    _, first = transaction_state(session, "_outbox_emitted", lambda: True)
    if first:
        after_commit(session, lambda: local_wakeup().set())
    return first


class Outbox:
    """Writes a service's events into its outbox table."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def emit(
        self,
        session: AsyncSession,
        data: EventData,
        *,
        subject: str,
        time: datetime,
        key: str | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        """Add one event to the session's transaction; it is published only if that transaction commits.

        The correlation and causation ids default to those of the request or event being handled.
        """
        envelope = make_envelope(
            data,
            source=self.source,
            subject=subject,
            time=time,
            correlation_id=correlation_id or context.correlation_id.get(),
            causation_id=causation_id or context.causation_id.get(),
        )
        # Only transport headers are stored: the relay sends the CloudEvents attributes in the value (structured
        # mode, events/kafka_binding.py), so that no `ce_` header makes a reader take it for binary mode.
        headers: dict[str, str] = {}
        if (trace := context.traceparent.get()) is not None:
            headers[TRACEPARENT_HEADER] = trace
        # Buffered for the transaction and written in one statement just before it commits, in the order the
        # events were emitted (which keeps each key's order). No per-row round trip, no RETURNING.
        buffer_insert(
            session,
            outbox,
            {
                "event_id": str(envelope.id),
                "topic": data.topic.name,
                "key": key or subject,
                "event_type": envelope.type,
                "payload": structured_value(envelope),
                "headers": headers,
                "created_at": time,
            },
        )
        if _first_in_transaction(session) and session.bind is not None and session.bind.dialect.name == "postgresql":
            # Delivered at commit: wakes relays in every process. Once per transaction is enough.
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        return envelope
