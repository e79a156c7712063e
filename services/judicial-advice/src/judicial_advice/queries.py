"""Reading advice, scoped to the caller: a court's staff see their court's advice; a recipient organisation (an
agency, or a bank: both named by their credit code) sees only advice delivered to it or copied to it (never
drafts)."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.planning import plan_for_the_values
from courtlink_shared.errors import NotFound
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from judicial_advice.models import Advice, AdviceFigures, AdviceVersion, TimelineEntry
from judicial_advice.rules import (
    VISIBLE_TO_AGENCIES,
    AdviceStatus,
    ReplyFigures,
    reply_figures,
    reply_overdue_sql,
)

COURT_ROLES = frozenset({Role.TRIAL_JUDGE, Role.ADVICE_MANAGER, Role.JUDICIAL_COMMITTEE, Role.PRESIDENT, Role.ANALYST})
SENT = [s.value for s in VISIBLE_TO_AGENCIES]
# Who reads, signs for and answers advice for the organisation it is addressed or copied to (DOMAIN.md: a bank
# "receives and answers judicial advice addressed to the bank", as an agency does).
RECIPIENT_ROLES = frozenset({Role.AGENCY_OFFICER, Role.BANK_OPERATOR})


async def get_advice(
    session: AsyncSession, *, principal: Principal, advice_id: str, for_update: bool = False
) -> Advice:
    query = select(Advice).where(Advice.id == advice_id)
    if for_update:
        query = await lock_for_update(session, query)
    advice = (await session.execute(query)).scalar_one_or_none()
    if advice is None or not _may_see(advice, principal):
        raise NotFound("advice not found")
    return advice


def _may_see(advice: Advice, principal: Principal) -> bool:
    if principal.roles & COURT_ROLES and advice.court_code == principal.organisation:
        return True
    if principal.roles & RECIPIENT_ROLES and advice.status in SENT:
        return is_recipient(advice, principal) or principal.organisation in {c.get("code") for c in advice.cc}
    return False


def is_recipient(advice: Advice, principal: Principal) -> bool:
    return advice.recipient_code == principal.organisation


async def list_advice(session: AsyncSession, *, principal: Principal, status: AdviceStatus | None) -> list[Advice]:
    query = select(Advice).order_by(Advice.updated_at.desc()).limit(500)
    if status is not None:
        query = query.where(Advice.status == status)
    if principal.roles & COURT_ROLES:
        query = query.where(Advice.court_code == principal.organisation)
        return list((await session.execute(query)).scalars())
    candidates = (await session.execute(query.where(Advice.status.in_(SENT)))).scalars()
    return [a for a in candidates if _may_see(a, principal)]


async def timeline_of(session: AsyncSession, advice_id: str) -> list[TimelineEntry]:
    rows = await session.execute(
        select(TimelineEntry).where(TimelineEntry.advice_id == advice_id).order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(rows.scalars())


async def versions_of(session: AsyncSession, advice_id: str) -> list[AdviceVersion]:
    """Every saved version of an advice, the first first."""
    rows = await session.execute(
        select(AdviceVersion).where(AdviceVersion.advice_id == advice_id).order_by(AdviceVersion.version)
    )
    return list(rows.scalars())


async def issued_in(session: AsyncSession, *, court_code: str, year: int) -> list[Advice]:
    """The court's advice issued in a year, in number order."""
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    rows = await session.execute(
        select(Advice)
        .where(Advice.court_code == court_code, Advice.issued_at >= start, Advice.issued_at < end)
        .order_by(Advice.issued_at)
    )
    return list(rows.scalars())


async def year_statistics(
    session: AsyncSession, *, court_code: str, year: int, now: datetime
) -> tuple[ReplyFigures, list[Advice], dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The reply figures (rules.reply_figures), the overdue list, and issued/replied per recipient (in the order
    of the month of each recipient's first advice, then by name) and per month of signing (Beijing time,
    `YYYY-MM`, in month order) of the advice issued in a year. The counts are the figures kept per month and
    recipient (at most twelve rows a recipient); only the overdue advice is read (it is listed), not the year's
    rows."""
    await plan_for_the_values(session)
    in_year = and_(
        AdviceFigures.court_code == court_code,
        AdviceFigures.month >= f"{year:04d}-01",
        AdviceFigures.month <= f"{year:04d}-12",
    )
    by_month = select(AdviceFigures).where(in_year).order_by(AdviceFigures.month, AdviceFigures.recipient_name)
    kept = (await session.execute(by_month)).scalars().all()
    recipients: dict[str, dict[str, int]] = {}
    months: dict[str, dict[str, int]] = {}
    for row in kept:
        for table, key in ((recipients, row.recipient_name), (months, row.month)):
            counts = table.setdefault(key, {"issued": 0, "replied": 0})
            counts["issued"] += row.issued
            counts["replied"] += row.replied
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    overdue = and_(
        Advice.court_code == court_code,
        Advice.issued_at >= start,
        Advice.issued_at < end,
        Advice.delivered_at.is_not(None),
        reply_overdue_sql(final_reply_at=Advice.final_reply_at, reply_deadline=Advice.reply_deadline, now=now),
    )
    overdue_advice = list((await session.execute(select(Advice).where(overdue).order_by(Advice.issued_at))).scalars())
    replied = sum(row.replied for row in kept)
    figures = reply_figures(
        issued=sum(row.issued for row in kept),
        delivered=sum(row.delivered for row in kept),
        # A delivered advice's reply is due once its deadline passed: it was replied to, or it is overdue now.
        due_or_replied=replied + len(overdue_advice),
        replied=replied,
        on_time=sum(row.replied_on_time for row in kept),
        adopted=sum(row.adopted for row in kept),
    )
    return figures, overdue_advice, recipients, months
