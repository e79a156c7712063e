"""The transactional outbox: events are written in the caller's transaction, next to the state they describe.

The relay (relay.py) publishes them afterwards; a Kafka outage delays events, never loses them or fails a request.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from courtlink_shared.db.platform_tables import outbox
from courtlink_shared.events.envelope import Envelope, EventData, make_envelope
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


def _wake_after_commit(session: AsyncSession) -> None:
    sync_session = session.sync_session
    if sync_session.info.get("_outbox_wakeup"):
        return
    sync_session.info["_outbox_wakeup"] = True

    def after_commit(_: Session) -> None:
        local_wakeup().set()

    event.listen(sync_session, "after_commit", after_commit, once=True)

    def after_end(_: Session, __: Any) -> None:
        sync_session.info.pop("_outbox_wakeup", None)

    event.listen(sync_session, "after_transaction_end", after_end, once=True)


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
        headers = {"ce_type": envelope.type, "ce_id": str(envelope.id), "correlationid": envelope.correlationid}
        if (trace := context.traceparent.get()) is not None:
            headers["traceparent"] = trace
        await session.execute(
            outbox.insert().values(
                event_id=str(envelope.id),
                topic=data.topic.name,
                key=key or subject,
                event_type=envelope.type,
                payload=envelope.model_dump_json(),
                headers=headers,
                created_at=time,
            )
        )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # Delivered at commit (and folded into one per transaction): wakes relays in every process.
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        _wake_after_commit(session)
        return envelope
