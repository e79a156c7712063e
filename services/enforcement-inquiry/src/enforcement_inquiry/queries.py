"""Reading inquiries and queries, scoped to the caller: a court's judges, officers and analysts see their court's
inquiries; a bank sees only the queries addressed to it. Anything else is "not found"."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.months import beijing_month
from courtlink_shared.errors import NotFound
from courtlink_shared.figures import rate
from courtlink_shared.reporting_period import Period
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from enforcement_inquiry.models import AssetQuery, FiledCase, Inquiry, TimelineEntry
from enforcement_inquiry.rules import OPEN, InquiryStatus, QueryStatus, Turnaround, is_overdue_sql, median_hours
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
    """Inquiries sent in the period: turnaround (median, share within the service level), advice by conclusion,
    the same per month of the letter; bank answer times for the queries sent in the period. Counted in the
    database (no rows loaded): only the one or two middle durations of each median are read."""
    start, end = period.bounds
    in_period = and_(Inquiry.court_code == court_code, Inquiry.submitted_at >= start, Inquiry.submitted_at < end)
    advised = Inquiry.advised_at.is_not(None)
    still_open = Inquiry.status.in_([s.value for s in OPEN])
    overdue_now = is_overdue_sql(status=Inquiry.status, due_at=Inquiry.due_at, overdue_at=Inquiry.overdue_at, now=now)
    conclusion = Inquiry.advice_conclusion
    month = beijing_month(Inquiry.submitted_at)
    # One pass over the period's inquiries, grouped by the month of the letter and the advice's conclusion (a
    # handful of groups per month); the period's figures are the sums of the groups.
    groups = (
        await session.execute(
            select(
                month,
                conclusion,
                func.count(),
                func.count().filter(Inquiry.urgent.is_(True)),
                func.count().filter(advised),
                func.count().filter(advised, Inquiry.advised_at <= Inquiry.due_at),
                func.count().filter(still_open),
                func.count().filter(overdue_now),
            )
            .where(in_period)
            .group_by(month, conclusion)
            .order_by(month)
        )
    ).all()
    totals = [sum(cast(int, row[i]) for row in groups) for i in range(2, 8)]  # the counts
    inquiries, urgent, advised_count, within, open_count, overdue = totals
    conclusions: Counter[str] = Counter()
    per_month: dict[str, dict[str, int]] = {}
    for month_key, name, count, _, advised_n, within_n, *_ in groups:
        if advised_n:
            conclusions[str(name)] += int(advised_n)
        of_month = per_month.setdefault(str(month_key), {"inquiries": 0, "advised": 0, "within_service_level": 0})
        of_month["inquiries"] += int(count)
        of_month["advised"] += int(advised_n)
        of_month["within_service_level"] += int(within_n)
    middle = await _middle_of(
        session, Inquiry.submitted_at, Inquiry.advised_at, and_(in_period, advised), advised_count
    )
    figures = Turnaround(advised_count, within, median_hours(middle), rate(within, advised_count))
    return StatisticsOut(
        court_code=court_code,
        period_from=period.start,
        period_to=period.end,
        inquiries=inquiries,
        urgent=urgent,
        advised=figures.advised,
        open=open_count,
        overdue=overdue,
        median_turnaround_hours=figures.median_hours,
        within_service_level=figures.within_service_level,
        share_within_service_level=figures.share_within_service_level,
        advice_by_conclusion=dict(sorted(conclusions.items())),
        banks=await _bank_figures(session, court_code, start, end),
        per_month=per_month,
    )


async def filed_case(session: AsyncSession, *, principal: Principal, case_number: str) -> FiledCase:
    """A case intake filed, if it is a case of the caller's court (another court's case is "not found")."""
    filed = await session.get(FiledCase, case_number)
    if filed is None or filed.court_code != principal.organisation:
        raise NotFound("no case with this number was filed by intake in your court")
    return filed


async def _bank_figures(session: AsyncSession, court_code: str, start: datetime, end: datetime) -> list[BankFiguresOut]:
    in_period = and_(
        AssetQuery.court_code == court_code, AssetQuery.requested_at >= start, AssetQuery.requested_at < end
    )
    answered = AssetQuery.answered_at.is_not(None)
    rows = (
        await session.execute(
            select(
                AssetQuery.bank_code,
                func.count(),
                func.count().filter(answered),
                func.count().filter(AssetQuery.status == QueryStatus.EXPIRED),
            )
            .where(in_period)
            .group_by(AssetQuery.bank_code)
            .order_by(AssetQuery.bank_code)
        )
    ).all()
    middle = await _middle_durations(
        session, AssetQuery.requested_at, AssetQuery.answered_at, AssetQuery.bank_code, and_(in_period, answered)
    )
    return [
        BankFiguresOut(
            bank_code=bank,
            queries=int(queries),
            answered=int(answered_count),
            expired=int(expired),
            median_answer_hours=median_hours(middle.get(bank, [])),
        )
        for bank, queries, answered_count, expired in rows
    ]


def _duration(
    session: AsyncSession, began: InstrumentedAttribute[datetime], ended: InstrumentedAttribute[datetime | None]
) -> ColumnElement[Any]:
    """`ended - began` in an order the database can sort by."""
    if session.get_bind().dialect.name == "postgresql":
        return ended - began  # an interval: exact order
    return func.julianday(ended) - func.julianday(began)  # SQLite keeps times as text


async def _middle_of(
    session: AsyncSession,
    began: InstrumentedAttribute[datetime],
    ended: InstrumentedAttribute[datetime | None],
    where: ColumnElement[bool],
    count: int,
) -> list[timedelta]:
    """The one (odd count) or two (even count) middle durations `ended - began` of the `count` rows `where`
    selects: a bounded sort that stops at the middle, cheaper than ranking every row."""
    if count == 0:
        return []
    rows = await session.execute(
        select(began, ended)
        .where(where)
        .order_by(_duration(session, began, ended))
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
    )
    return [e - b for b, e in rows if b is not None and e is not None]


async def _middle_durations(
    session: AsyncSession,
    began: InstrumentedAttribute[datetime],
    ended: InstrumentedAttribute[datetime | None],
    group: InstrumentedAttribute[str],
    where: ColumnElement[bool],
) -> dict[str, list[timedelta]]:
    """Per group, the one (odd count) or two (even count) middle durations `ended - began` of the rows `where`
    selects: their median is the median of all of them, without reading the others."""
    duration = _duration(session, began, ended)
    ranked = (
        select(
            group.label("grp"),
            began.label("began"),
            ended.label("ended"),
            func.row_number().over(partition_by=group, order_by=duration).label("rank"),
            func.count().over(partition_by=group).label("n"),
        )
        .where(where)
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.grp, ranked.c.began, ranked.c.ended).where(
            ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
        )
    )
    middle: dict[str, list[timedelta]] = defaultdict(list)
    for grp, began_at, ended_at in rows:
        middle[grp].append(ended_at - began_at)
    return middle


async def locked_by_id(session: AsyncSession, model: type[T], object_id: str) -> T | None:
    """An inquiry or query by id for the deadline sweep to change, locked until the transaction ends; None if gone."""
    query = await lock_for_update(session, select(model).where(model.id == object_id))
    return (await session.execute(query)).scalar_one_or_none()
