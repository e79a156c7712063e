"""Kafka handlers: a case filed by intake is kept for its parties. Deadline handlers: the consolidated query of
a bank goes out when its window closes, an unanswered query expires, an inquiry past its service level is
flagged overdue. Thin: translate, then call the service layer."""

from __future__ import annotations

from datetime import datetime, timedelta

from courtlink_shared.deadlines.sweep import DeadlineHandler, DueDeadline
from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.intake import DisputeFiled
from courtlink_shared.messaging.consumer import EventHandler
from courtlink_shared.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry import bank_queries, queries, service
from enforcement_inquiry.models import AssetQuery, Inquiry
from enforcement_inquiry.settings import Settings


def _settings(runtime: ServiceRuntime) -> Settings:
    assert isinstance(runtime.settings, Settings)
    return runtime.settings


def intake_handlers(runtime: ServiceRuntime) -> dict[str, EventHandler]:
    """What enforcement-inquiry takes from `intake.disputes`: the parties of filed cases."""

    async def filed(session: AsyncSession, envelope: Envelope, data: DisputeFiled) -> None:
        await service.record_filed_case(session, data)

    return {"intake.dispute.filed": filed}


def deadline_handlers(runtime: ServiceRuntime) -> dict[str, DeadlineHandler]:
    """The sweeps of enforcement-inquiry."""
    settings = _settings(runtime)
    window = timedelta(seconds=settings.asset_query_window_seconds)
    expiry = timedelta(hours=settings.asset_query_expiry_hours)

    async def dispatch(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        await bank_queries.dispatch(
            session,
            outbox=runtime.outbox,
            now=now,
            court_code=str(due.payload["court_code"]),
            bank_code=str(due.payload["bank_code"]),
            window=window,
            expiry=expiry,
        )

    async def expire(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        asset_query = await queries.locked_by_id(session, AssetQuery, due.subject)
        if asset_query is not None:
            await bank_queries.expire(session, outbox=runtime.outbox, now=now, asset_query=asset_query)

    async def overdue(session: AsyncSession, due: DueDeadline, now: datetime) -> None:
        inquiry = await queries.locked_by_id(session, Inquiry, due.subject)
        if inquiry is not None:
            await service.mark_overdue(session, outbox=runtime.outbox, now=now, inquiry=inquiry)

    return {bank_queries.QUERY_DISPATCH: dispatch, bank_queries.QUERY_EXPIRY: expire, service.INQUIRY_DUE: overdue}
