"""Reading inquiries and queries, scoped to the caller: a court's judges, officers and analysts see their court's
inquiries; a bank sees only the queries addressed to it. Anything else is "not found"."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.planning import plan_for_the_values
from courtlink_shared.errors import NotFound
from courtlink_shared.figures import rate
from courtlink_shared.reporting_period import Period
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from enforcement_inquiry.models import AssetQuery, FiledCase, Inquiry, InquiryFigures, TimelineEntry, TurnaroundFigures
from enforcement_inquiry.rules import (
    MICROSECONDS_A_DAY,
    InquiryStatus,
    QueryStatus,
    Turnaround,
    median_hours,
    middle_positions,
    past_deadline_sql,
)
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
    the same per month of the letter; bank answer times for the queries sent in the period. The counts are the
    figures kept per day of the letter; of the inquiries themselves only the open ones past their deadline are
    counted, and only the one or two in the middle of the turnarounds are read."""
    await plan_for_the_values(session)
    days = and_(InquiryFigures.court_code == court_code, InquiryFigures.day.between(period.start, period.end))
    kept = (await session.execute(select(InquiryFigures).where(days).order_by(InquiryFigures.day))).scalars().all()
    per_month: dict[str, dict[str, int]] = {}
    for row in kept:
        of_month = per_month.setdefault(f"{row.day:%Y-%m}", {"inquiries": 0, "advised": 0, "within_service_level": 0})
        of_month["inquiries"] += row.inquiries
        of_month["advised"] += row.advised
        of_month["within_service_level"] += row.within_service_level
    inquiries = sum(row.inquiries for row in kept)
    advised = sum(row.advised for row in kept)
    within = sum(row.within_service_level for row in kept)
    advice = await _advice_figures(session, court_code, period)
    conclusions: Counter[str] = Counter()
    histogram: Counter[int] = Counter()
    for conclusion, days_taken, count in advice:
        conclusions[conclusion] += count
        histogram[days_taken] += count
    start, end = period.bounds
    in_period = and_(Inquiry.court_code == court_code, Inquiry.submitted_at >= start, Inquiry.submitted_at < end)
    middle = await _middle_turnarounds(session, in_period, histogram)
    figures = Turnaround(advised, within, median_hours(middle), rate(within, advised))
    return StatisticsOut(
        court_code=court_code,
        period_from=period.start,
        period_to=period.end,
        inquiries=inquiries,
        urgent=sum(row.urgent for row in kept),
        advised=figures.advised,
        open=inquiries - advised,  # an inquiry is open until its advice (rules.OPEN)
        overdue=sum(row.flagged_overdue for row in kept) + await _past_deadline_unflagged(session, in_period, now),
        median_turnaround_hours=figures.median_hours,
        within_service_level=figures.within_service_level,
        share_within_service_level=figures.share_within_service_level,
        advice_by_conclusion=dict(sorted(conclusions.items())),
        banks=await _bank_figures(session, court_code, start, end),
        per_month=per_month,
    )


async def _advice_figures(session: AsyncSession, court_code: str, period: Period) -> list[tuple[str, int, int]]:
    """The period's advice by conclusion and whole days taken."""
    figures = TurnaroundFigures
    rows = await session.execute(
        select(figures.conclusion, figures.days_taken, func.sum(figures.advised))
        .where(figures.court_code == court_code, figures.day.between(period.start, period.end))
        .group_by(figures.conclusion, figures.days_taken)
    )
    return [(str(conclusion), int(taken), int(count)) for conclusion, taken, count in rows]


async def _past_deadline_unflagged(session: AsyncSession, in_period: ColumnElement[bool], now: datetime) -> int:
    """Open inquiries past their service-level deadline that the sweep has not flagged yet: overdue now too
    (rules.is_overdue), though not counted as flagged."""
    unflagged = and_(
        in_period,
        Inquiry.overdue_at.is_(None),
        past_deadline_sql(status=Inquiry.status, due_at=Inquiry.due_at, now=now),
    )
    return int((await session.execute(select(func.count()).where(unflagged))).scalar_one())


async def _middle_turnarounds(
    session: AsyncSession, in_period: ColumnElement[bool], histogram: Mapping[int, int]
) -> list[timedelta]:
    """The one (odd count) or two (even count) middle turnarounds of the period's advised inquiries: the
    histogram of whole days taken says in which day's bucket and where in it they lie, so only that bucket's
    inquiries are read in order of turnaround (ix_inquiries_court_turnaround), not the period's."""
    positions: dict[int, list[int]] = defaultdict(list)
    for taken, position in middle_positions(histogram):
        positions[taken].append(position)
    middle: list[timedelta] = []
    for taken, wanted in sorted(positions.items()):  # the two middle values often share a bucket: one read
        in_bucket = and_(
            in_period,
            Inquiry.turnaround_us >= taken * MICROSECONDS_A_DAY,
            Inquiry.turnaround_us < (taken + 1) * MICROSECONDS_A_DAY,
        )
        found = await session.execute(
            select(Inquiry.turnaround_us)
            .where(in_bucket)
            .order_by(Inquiry.turnaround_us)
            .offset(wanted[0])
            .limit(wanted[-1] - wanted[0] + 1)
        )
        middle += [timedelta(microseconds=cast(int, us)) for us in found.scalars()]
    return middle


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
