"""Reading advice, scoped to the caller: a court's staff see their court's advice; a recipient organisation (an
agency, or a bank: both named by their credit code) sees only advice delivered to it or copied to it (never
drafts)."""

from __future__ import annotations

from datetime import datetime

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.months import beijing_month
from courtlink_shared.errors import NotFound
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from judicial_advice.models import Advice, AdviceVersion, TimelineEntry
from judicial_advice.rules import (
    VISIBLE_TO_AGENCIES,
    AdviceStatus,
    ReplyFigures,
    reply_figures,
    reply_overdue,
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


def year_figures(advices: list[Advice], *, now: datetime) -> tuple[ReplyFigures, list[Advice]]:
    """The figures and the overdue list of a year's advice (read once with issued_in)."""
    delivered = [a for a in advices if a.delivered_at is not None]
    replied = [a for a in delivered if a.final_reply_at is not None]
    due = [a for a in delivered if a.final_reply_at is not None or (a.reply_deadline and a.reply_deadline < now)]
    on_time = [a for a in replied if a.reply_deadline and a.final_reply_at and a.final_reply_at <= a.reply_deadline]
    adopted = [a for a in replied if a.adoption in ("adopted", "partly_adopted")]
    overdue = [a for a in delivered if reply_overdue(a, now)]
    figures = reply_figures(
        issued=len(advices),
        delivered=len(delivered),
        due_or_replied=len(due),
        replied=len(replied),
        on_time=len(on_time),
        adopted=len(adopted),
    )
    return figures, overdue


async def year_statistics(
    session: AsyncSession, *, court_code: str, year: int, now: datetime
) -> tuple[ReplyFigures, list[Advice], dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The figures of `year_figures`, the overdue list, and issued/replied per recipient (in the order of each
    recipient's first advice) and per month of signing (Beijing time, `YYYY-MM`, in month order) of the advice
    issued in a year, counted in the database: only the overdue advice is read (it is listed), not the year's rows."""
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    in_year = and_(Advice.court_code == court_code, Advice.issued_at >= start, Advice.issued_at < end)
    delivered = Advice.delivered_at.is_not(None)
    replied = and_(delivered, Advice.final_reply_at.is_not(None))
    past_deadline = and_(Advice.reply_deadline.is_not(None), Advice.reply_deadline < now)
    overdue = and_(
        delivered,
        reply_overdue_sql(final_reply_at=Advice.final_reply_at, reply_deadline=Advice.reply_deadline, now=now),
    )
    month = beijing_month(Advice.issued_at)
    # One pass over the year's advice, grouped by recipient and month of signing (at most twelve groups per
    # recipient), each recipient's first group first; the year's figures are the sums of the groups.
    groups = (
        await session.execute(
            select(
                Advice.recipient_name,
                month,
                func.count(),
                func.count().filter(Advice.final_reply_at.is_not(None)),
                func.count().filter(delivered),
                func.count().filter(delivered, or_(Advice.final_reply_at.is_not(None), past_deadline)),
                func.count().filter(replied),
                func.count().filter(
                    replied, Advice.reply_deadline.is_not(None), Advice.final_reply_at <= Advice.reply_deadline
                ),
                func.count().filter(replied, Advice.adoption.in_(["adopted", "partly_adopted"])),
            )
            .where(in_year)
            .group_by(Advice.recipient_name, month)
            .order_by(func.min(Advice.issued_at), Advice.recipient_name)
        )
    ).all()
    recipients: dict[str, dict[str, int]] = {}
    months: dict[str, dict[str, int]] = {}
    for recipient, month_key, issued_n, replied_n, *_ in groups:
        for table, key in ((recipients, str(recipient)), (months, str(month_key))):
            tally = table.setdefault(key, {"issued": 0, "replied": 0})
            tally["issued"] += int(issued_n)
            tally["replied"] += int(replied_n)
    issued, _, delivered_count, due_or_replied, replied_count, on_time, adopted = (
        sum(int(row[i]) for row in groups) for i in range(2, 9)
    )
    figures = reply_figures(
        issued=issued,
        delivered=delivered_count,
        due_or_replied=due_or_replied,
        replied=replied_count,
        on_time=on_time,
        adopted=adopted,
    )
    overdue_advice = await session.execute(select(Advice).where(in_year, overdue).order_by(Advice.issued_at))
    return figures, list(overdue_advice.scalars()), recipients, dict(sorted(months.items()))
