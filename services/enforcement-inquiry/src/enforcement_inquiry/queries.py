"""Reading inquiries and queries, scoped to the caller: a court's judges, officers and analysts see their court's
inquiries; a bank sees only the queries addressed to it. Anything else is "not found"."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import TypeVar

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.errors import NotFound
from courtlink_shared.reporting_period import Period
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry.models import AssetQuery, FiledCase, Inquiry, TimelineEntry
from enforcement_inquiry.rules import OPEN, InquiryStatus, QueryStatus, is_overdue, median_hours, turnaround
from enforcement_inquiry.schemas import BankFiguresOut, StatisticsOut

COURT_ROLES = frozenset({Role.TRIAL_JUDGE, Role.ENFORCEMENT_OFFICER, Role.ANALYST})
T = TypeVar("T", Inquiry, AssetQuery)


async def _locked(session: AsyncSession, query: Select[T], for_update: bool) -> Select[T]:
    return await lock_for_update(session, query) if for_update else query


async def get_inquiry(
    session: AsyncSession, *, principal: Principal, inquiry_id: str, for_update: bool = False
) -> Inquiry:
    """The inquiry if it belongs to the caller's court."""
    query = select(Inquiry).where(Inquiry.id == inquiry_id, Inquiry.court_code == principal.organisation)
    inquiry = (await session.execute(await _locked(session, query, for_update))).scalar_one_or_none()
    if inquiry is None:
        raise NotFound("inquiry not found")
    return inquiry


async def list_inquiries(
    session: AsyncSession, *, principal: Principal, status: InquiryStatus | None, mine: bool, limit: int
) -> list[Inquiry]:
    """The court's inquiries, nearest deadline first; `mine`: sent by me (judge) or assigned to me (officer)."""
    query = select(Inquiry).where(Inquiry.court_code == principal.organisation)
    if status is not None:
        query = query.where(Inquiry.status == status)
    if mine:
        query = query.where((Inquiry.judge == principal.subject) | (Inquiry.officer == principal.subject))
    rows = await session.execute(query.order_by(Inquiry.due_at, Inquiry.id).limit(limit))
    return list(rows.scalars())


async def timeline_of(session: AsyncSession, inquiry_id: str) -> list[TimelineEntry]:
    rows = await session.execute(
        select(TimelineEntry).where(TimelineEntry.inquiry_id == inquiry_id).order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(rows.scalars())


async def get_asset_query(
    session: AsyncSession, *, principal: Principal, query_id: str, for_update: bool = False
) -> AssetQuery:
    """A query addressed to the caller's bank."""
    query = select(AssetQuery).where(AssetQuery.id == query_id, AssetQuery.bank_code == principal.organisation)
    asset_query = (await session.execute(await _locked(session, query, for_update))).scalar_one_or_none()
    if asset_query is None:
        raise NotFound("asset query not found")
    return asset_query


async def list_asset_queries(
    session: AsyncSession, *, principal: Principal, status: QueryStatus | None, limit: int
) -> list[AssetQuery]:
    """The caller's bank's queries, oldest first (the order to answer them in)."""
    query = select(AssetQuery).where(AssetQuery.bank_code == principal.organisation)
    if status is not None:
        query = query.where(AssetQuery.status == status)
    rows = await session.execute(query.order_by(AssetQuery.requested_at, AssetQuery.id).limit(limit))
    return list(rows.scalars())


async def statistics(session: AsyncSession, *, court_code: str, period: Period, now: datetime) -> StatisticsOut:
    """Inquiries sent in the period: turnaround (median, share within the service level), advice by conclusion;
    bank answer times for the queries sent in the period."""
    start, end = period.bounds
    inquiries = list(
        (
            await session.execute(
                select(Inquiry).where(
                    Inquiry.court_code == court_code, Inquiry.submitted_at >= start, Inquiry.submitted_at < end
                )
            )
        ).scalars()
    )
    advised = [i for i in inquiries if i.advised_at is not None]
    figures = turnaround([(i.advised_at - i.submitted_at, i.advised_at <= i.due_at) for i in advised if i.advised_at])
    conclusions = Counter(str((i.advice or {}).get("conclusion")) for i in advised)
    still_open = [i for i in inquiries if i.status in OPEN]
    queries = (
        await session.execute(
            select(AssetQuery).where(
                AssetQuery.court_code == court_code, AssetQuery.requested_at >= start, AssetQuery.requested_at < end
            )
        )
    ).scalars()
    return StatisticsOut(
        court_code=court_code,
        period_from=period.start,
        period_to=period.end,
        inquiries=len(inquiries),
        urgent=sum(1 for i in inquiries if i.urgent),
        advised=figures.advised,
        open=len(still_open),
        overdue=sum(1 for i in inquiries if is_overdue(i, now)),
        median_turnaround_hours=figures.median_hours,
        within_service_level=figures.within_service_level,
        share_within_service_level=figures.share_within_service_level,
        advice_by_conclusion=dict(sorted(conclusions.items())),
        banks=_bank_figures(list(queries)),
        per_month=_per_month(inquiries),
    )


def _per_month(inquiries: list[Inquiry]) -> dict[str, dict[str, int]]:
    """Per calendar month of the letter (Beijing time, `YYYY-MM`): inquiries received, advised, and advised within
    the service level; months without an inquiry are left out."""
    table: dict[str, dict[str, int]] = {}
    for inquiry in sorted(inquiries, key=lambda i: i.submitted_at):
        row = table.setdefault(
            inquiry.submitted_at.astimezone(SHANGHAI).strftime("%Y-%m"),
            {"inquiries": 0, "advised": 0, "within_service_level": 0},
        )
        row["inquiries"] += 1
        if inquiry.advised_at is not None:
            row["advised"] += 1
            row["within_service_level"] += inquiry.advised_at <= inquiry.due_at
    return table


async def filed_case(session: AsyncSession, *, principal: Principal, case_number: str) -> FiledCase:
    """A case intake filed, if it is a case of the caller's court (another court's case is "not found")."""
    filed = await session.get(FiledCase, case_number)
    if filed is None or filed.court_code != principal.organisation:
        raise NotFound("no case with this number was filed by intake in your court")
    return filed


def _bank_figures(queries: list[AssetQuery]) -> list[BankFiguresOut]:
    per_bank: dict[str, list[AssetQuery]] = defaultdict(list)
    for asset_query in queries:
        per_bank[asset_query.bank_code].append(asset_query)
    result = []
    for bank, items in sorted(per_bank.items()):
        answer_times = [q.answered_at - q.requested_at for q in items if q.answered_at is not None]
        result.append(
            BankFiguresOut(
                bank_code=bank,
                queries=len(items),
                answered=len(answer_times),
                expired=sum(1 for q in items if q.status == QueryStatus.EXPIRED),
                median_answer_hours=median_hours(answer_times),
            )
        )
    return result


async def locked_by_id(session: AsyncSession, model: type[T], object_id: str) -> T | None:
    """An inquiry or query by id for the deadline sweep to change, locked until the transaction ends; None if gone."""
    query = await lock_for_update(session, select(model).where(model.id == object_id))
    return (await session.execute(query)).scalar_one_or_none()
