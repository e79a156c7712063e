"""Reading disputes: one dispute, filtered lists with cursor pagination, statistics. Always scoped to the
caller: a bank sees its own disputes, a court's clerks and analysts their court's."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import beijing_day_start
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.value_lists import one_of
from courtlink_shared.errors import InvalidInput, NotFound, field_problem
from courtlink_shared.identifiers.normalise import normalise_identifier
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from intake.models import Batch, BatchInput, BatchRow, Dispute, DisputeFigures, Respondent, TimelineEntry
from intake.rules import DisputeStatus, IntakeCounts, IntakeStatistics, intake_statistics


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """Which disputes the caller may see: their bank's, or their court's for court staff."""
    return _own(principal, bank_code=Dispute.bank_code, court_code=Dispute.court_code)


def _own(
    principal: Principal, *, bank_code: InstrumentedAttribute[str], court_code: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The caller's bank for bank operators, the caller's court for everyone else."""
    column = bank_code if Role.BANK_OPERATOR in principal.roles else court_code
    return column == principal.organisation


async def get_dispute(
    session: AsyncSession, *, principal: Principal, dispute_id: str, for_update: bool = False
) -> Dispute:
    """The dispute if the caller may see it; 404 otherwise (another organisation's dispute does not exist for them)."""
    query = select(Dispute).where(Dispute.id == dispute_id, visible_to(principal))
    if for_update:
        query = await lock_for_update(session, query)
    dispute = (await session.execute(query)).scalar_one_or_none()
    if dispute is None:
        raise NotFound("dispute not found")
    return dispute


async def timeline_of(session: AsyncSession, dispute_id: str) -> list[TimelineEntry]:
    rows = await session.execute(
        select(TimelineEntry).where(TimelineEntry.dispute_id == dispute_id).order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class DisputeFilter:
    status: DisputeStatus | None = None
    dispute_type: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    respondent: str | None = None
    bank_reference: str | None = None


def _encode_cursor(dispute: Dispute) -> str:
    raw = json.dumps([dispute.submitted_at.isoformat(), dispute.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, dispute_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), str(dispute_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "invalid cursor",
            errors=[field_problem("query.cursor", "not a cursor returned by this API", "分页游标无效")],
        ) from exc


async def list_disputes(
    session: AsyncSession, *, principal: Principal, filters: DisputeFilter, cursor: str | None, limit: int
) -> tuple[list[Dispute], str | None]:
    """Newest first, `limit` per page; the cursor continues after the last dispute of the page."""
    query: Select[Dispute] = select(Dispute).where(visible_to(principal))
    if filters.status:
        query = query.where(Dispute.status == filters.status)
    if filters.dispute_type:
        query = query.where(Dispute.dispute_type == filters.dispute_type)
    if filters.submitted_from:
        query = query.where(Dispute.submitted_at >= beijing_day_start(filters.submitted_from))
    if filters.submitted_to:
        query = query.where(Dispute.submitted_at < beijing_day_start(filters.submitted_to + timedelta(days=1)))
    if filters.bank_reference:
        query = query.where(Dispute.bank_reference == normalise_identifier(filters.bank_reference))
    if filters.respondent:
        term = filters.respondent.strip()
        matching = select(Respondent.dispute_id).where(
            or_(Respondent.name == term, Respondent.id_number == normalise_identifier(term))
        )
        query = query.where(Dispute.id.in_(matching))
    if cursor:
        at, last_id = _decode_cursor(cursor)
        query = query.where(or_(Dispute.submitted_at < at, and_(Dispute.submitted_at == at, Dispute.id < last_id)))
    rows = list(
        (
            await session.execute(query.order_by(Dispute.submitted_at.desc(), Dispute.id.desc()).limit(limit + 1))
        ).scalars()
    )
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def statistics(
    session: AsyncSession, *, principal: Principal, period_from: date, period_to: date
) -> IntakeStatistics:
    """The figures of DOMAIN.md for the caller's court (court staff) or bank (bank operators): the sums of the
    figures kept per court, bank and Beijing day, so a period costs a row per day and bank whatever the number
    of disputes."""
    figures = DisputeFigures
    scope = _own(principal, bank_code=figures.bank_code, court_code=figures.court_code)
    columns = (figures.accepted, figures.routed, figures.mediations_closed, figures.settled, figures.filed)
    query = select(*(func.coalesce(func.sum(c), 0) for c in columns))
    row = (await session.execute(query.where(scope, figures.day >= period_from, figures.day <= period_to))).one()
    return intake_statistics(IntakeCounts(*(int(n) for n in row)))


async def disputes_for_update(session: AsyncSession, dispute_ids: set[str]) -> dict[str, Dispute]:
    """Disputes locked for the events that change them, by id (unscoped: events come from the platform, not a
    caller). Locked in id order, so that two transactions locking overlapping sets cannot deadlock."""
    query = select(Dispute).where(one_of(Dispute.id, dispute_ids)).order_by(Dispute.id)
    rows = (await session.execute(await lock_for_update(session, query))).scalars()
    return {dispute.id: dispute for dispute in rows}


async def own_batch(session: AsyncSession, *, principal: Principal, batch_id: str) -> Batch:
    """One of the caller's bank's batches; another bank's answers NotFound."""
    query = select(Batch).where(Batch.id == batch_id, Batch.bank_code == principal.organisation)
    batch = (await session.execute(query)).scalar_one_or_none()
    if batch is None:
        raise NotFound("batch not found")
    return batch


async def batch_rows(session: AsyncSession, batch_id: str) -> list[BatchRow]:
    """A batch's rows in upload order, each with its outcome."""
    rows = await session.execute(select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_number))
    return list(rows.scalars())


async def batch_inputs(session: AsyncSession, batch_id: str, *, start: int, count: int) -> list[dict[str, Any]]:
    """Rows `start` to `start + count - 1` of a batch (0-based), as the bank uploaded them."""
    rows = await session.execute(
        select(BatchInput.data)
        .where(BatchInput.batch_id == batch_id, BatchInput.position >= start, BatchInput.position < start + count)
        .order_by(BatchInput.position)
    )
    return list(rows.scalars())
