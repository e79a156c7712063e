"""The deadline sweep of judicial advice: a delivered advice with no final reply by its deadline becomes
overdue, once, with an overdue event (escalation to the superior authority is recorded with it)."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.deadlines.sweep import DeadlineHandler, DueDeadline
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from judicial_advice import service
from judicial_advice.models import Advice


def deadline_handlers(runtime: ServiceRuntime) -> dict[str, DeadlineHandler]:
    async def reply_due(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        query = await lock_for_update(session, select(Advice).where(Advice.id == due.subject))
        advice = (await session.execute(query)).scalar_one_or_none()
        if advice is not None:
            await service.mark_overdue(session, outbox=runtime.outbox, now=now, advice=advice)

    async def reminder(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        advice = await session.get(Advice, due.subject)
        if advice is not None:
            await service.remind(session, now=now, advice=advice, when=str(due.payload.get("when")))

    return {service.REPLY_DUE: reply_due, service.REMINDER: reminder}
