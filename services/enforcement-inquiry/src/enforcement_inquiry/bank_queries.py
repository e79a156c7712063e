"""Consolidated bank queries of enforcement inquiry: asking a bank about a respondent adds a *waiting line* for
(court, bank); the first waiting line schedules a dispatch one window later, and the dispatch sends every line
then waiting for that bank as one query (`enforcement.asset-queries`, keyed by bank). The bank answers the whole
query once; an unanswered query expires, and the inquiry then proceeds with the answers it has."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from courtlink_shared.db.locking import lock_for_update
from courtlink_shared.db.timeline import record_step
from courtlink_shared.db.transaction_state import transaction_state
from courtlink_shared.db.value_lists import one_of
from courtlink_shared.deadlines.sweep import cancel_deadlines, schedule_deadline
from courtlink_shared.errors import Conflict, InvalidInput, InvalidTransition
from courtlink_shared.events import enforcement as events
from courtlink_shared.events.common import Actor, Party
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from enforcement_inquiry.models import AssetQuery, Inquiry, QueryLine, TimelineEntry
from enforcement_inquiry.rules import (
    UNRESOLVED,
    InquiryStatus,
    LineStatus,
    QueryStatus,
    mask_account,
)
from enforcement_inquiry.schemas import AnswerIn, BankIn

QUERY_DISPATCH = "enforcement.asset_query.dispatch"
QUERY_EXPIRY = "enforcement.asset_query.expiry"
LINE_ORDER = (QueryLine.created_at, QueryLine.inquiry_id, QueryLine.position, QueryLine.bank_code)


async def ask_banks(
    session: AsyncSession,
    *,
    now: datetime,
    inquiry: Inquiry,
    actor: Actor,
    banks: Sequence[BankIn],
    respondents: Sequence[str] | None,
    window: timedelta,
) -> list[QueryLine]:
    """Add the respondents to the next consolidated query of each bank. Only the inquiry's respondents can be
    asked about (anyone else is refused field by field); a respondent already asked of a bank is not asked twice."""
    if InquiryStatus(inquiry.status) != InquiryStatus.ACCEPTED:
        raise InvalidTransition(f"banks are queried for an accepted inquiry, not one that is {inquiry.status}")
    by_id = {p["id_number"]: p for p in inquiry.respondents}
    position = {id_number: i for i, id_number in enumerate(by_id)}
    wanted = list(by_id) if respondents is None else list(respondents)
    faults = [
        (f"body.respondents.{i}", "not a respondent of this inquiry's case", "不是本案被执行人，不得查询")
        for i, id_number in enumerate(wanted)
        if id_number not in by_id
    ]
    if faults:
        raise InvalidInput.on_fields(*faults)
    existing = await session.execute(
        select(QueryLine.bank_code, QueryLine.party).where(QueryLine.inquiry_id == inquiry.id)
    )
    asked = {(bank, party["id_number"]) for bank, party in existing}
    lines: list[QueryLine] = []
    for bank in banks:
        new = [
            QueryLine(
                id=str(uuid.uuid4()),
                inquiry_id=inquiry.id,
                court_code=inquiry.court_code,
                bank_code=bank.code,
                bank_name=bank.name,
                party=by_id[id_number],
                position=position[id_number],
                status=LineStatus.WAITING,
                created_at=now,
            )
            for id_number in dict.fromkeys(wanted)
            if (bank.code, id_number) not in asked
        ]
        if new:
            # Every new line has its window's end scheduled; the first of them to come due sends all lines then
            # waiting for the bank, and a dispatch whose oldest line is younger than the window leaves it alone.
            await schedule_deadline(
                session,
                kind=QUERY_DISPATCH,
                subject=f"{inquiry.court_code}|{bank.code}",
                due_at=now + window,
                payload={"court_code": inquiry.court_code, "bank_code": bank.code},
            )
        lines.extend(new)
    session.add_all(lines)
    if lines:
        inquiry.assets_ready_at = None
        detail = {"banks": sorted({line.bank_code for line in lines})}
        record_step(
            session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="banks_asked", actor=actor, detail=detail
        )
    elif inquiry.assets_ready_at is None and not await _unresolved(session, inquiry.id):
        inquiry.assets_ready_at = now
    return lines


async def _unresolved(session: AsyncSession, inquiry_id: str) -> bool:
    row = await session.execute(
        select(QueryLine.id)
        .where(QueryLine.inquiry_id == inquiry_id, QueryLine.status.in_([s.value for s in UNRESOLVED]))
        .limit(1)
    )
    return row.first() is not None


async def dispatch(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    court_code: str,
    bank_code: str,
    window: timedelta,
    expiry: timedelta,
) -> AssetQuery | None:
    """Send every line waiting for this bank as one consolidated query once the oldest has waited a whole window.
    None when there is nothing to send yet (another dispatch took the lines, or the window is still open).

    Every new line schedules a dispatch, so a sweep's batch holds many for the same bank: the first looks, the
    others of the same transaction find what it found and return at once. (A line committed since, older than
    the window, is sent by its own dispatch at the next sweep.)"""
    looked_at, _ = transaction_state(session, "_dispatches_looked_at", set)
    if (court_code, bank_code) in looked_at:
        return None
    looked_at.add((court_code, bank_code))
    query = (
        select(QueryLine)
        .where(QueryLine.court_code == court_code, QueryLine.bank_code == bank_code)
        .where(QueryLine.status == LineStatus.WAITING)
        .order_by(*LINE_ORDER)
    )
    # Every new line schedules a dispatch, so most find the window still open: look at the oldest line alone
    # before locking and loading them all. Locking can only take older lines away (a concurrent dispatch sent
    # them), never make the oldest one older, so a window open now is open under the lock too.
    oldest = (await session.execute(query.with_only_columns(QueryLine.created_at).limit(1))).scalar_one_or_none()
    if oldest is None or now - oldest < window:
        return None
    lines = list((await session.execute(await lock_for_update(session, query))).scalars())
    if not lines or now - lines[0].created_at < window:
        return None
    asset_query = AssetQuery(
        id=str(uuid.uuid4()),
        court_code=court_code,
        bank_code=bank_code,
        bank_name=lines[-1].bank_name,
        status=QueryStatus.OPEN,
        requested_at=now,
        expires_at=now + expiry,
    )
    session.add(asset_query)
    for line in lines:
        line.status = LineStatus.SENT
        line.query_id = asset_query.id
    await schedule_deadline(session, kind=QUERY_EXPIRY, subject=asset_query.id, due_at=asset_query.expires_at)
    await outbox.emit(
        session,
        events.AssetQueryRequested(
            query_id=asset_query.id,
            bank_code=bank_code,
            court_code=court_code,
            subjects=[
                events.QuerySubject(line_id=line.id, inquiry_id=line.inquiry_id, party=Party(**line.party))
                for line in lines
            ],
            requested_at=now,
            expires_at=asset_query.expires_at,
        ),
        subject=asset_query.id,
        key=bank_code,
        time=now,
    )
    return asset_query


async def lines_of_query(session: AsyncSession, query_id: str) -> list[QueryLine]:
    return (await lines_of_queries(session, [query_id])).get(query_id, [])


async def lines_of_queries(session: AsyncSession, query_ids: Sequence[str]) -> dict[str, list[QueryLine]]:
    """The lines of several queries in one read, by query (a bank's list of open queries)."""
    rows = await session.execute(select(QueryLine).where(one_of(QueryLine.query_id, query_ids)).order_by(*LINE_ORDER))
    by_query: dict[str, list[QueryLine]] = {}
    for line in rows.scalars():
        if line.query_id is not None:
            by_query.setdefault(line.query_id, []).append(line)
    return by_query


def _answer_faults(body: AnswerIn, lines: dict[str, QueryLine]) -> list[tuple[str, str, str]]:
    faults: list[tuple[str, str, str]] = []
    for index, answer in enumerate(body.lines):
        line = lines.get(answer.line_id)
        if line is None:
            faults.append((f"body.lines.{index}.line_id", "not a line of this query", "不是本次查询的条目"))
        elif answer.id_number != line.party["id_number"]:
            faults.append(
                (
                    f"body.lines.{index}.id_number",
                    "the accounts are not the respondent's: only the respondent of the line can be reported",
                    "账户持有人不是该条目的被执行人，不得报送",
                )
            )
    missing = set(lines) - {a.line_id for a in body.lines}
    if missing:
        faults.append(("body.lines", f"{len(missing)} line(s) of the query are not answered", "有查询条目未答复"))
    return faults


async def answer(
    session: AsyncSession, *, outbox: Outbox, now: datetime, asset_query: AssetQuery, actor: Actor, body: AnswerIn
) -> list[QueryLine]:
    """The bank answers its whole query once: accounts (numbers masked), balances and existing freezes per line.
    Returns the query's lines as answered, in the query's order."""
    if asset_query.status != QueryStatus.OPEN:
        raise Conflict(f"the query is {asset_query.status} and can no longer be answered")
    lines = {line.id: line for line in await lines_of_query(session, asset_query.id)}
    faults = _answer_faults(body, lines)
    if faults:
        raise InvalidInput.on_fields(*faults)
    answer_lines: list[events.AnswerLine] = []
    for answered in body.lines:
        accounts = [
            events.Account(
                account_masked=mask_account(a.account_number),
                account_type=a.account_type,
                balance=a.balance,
                freezes=[events.Freeze(authority=f.authority, amount=f.amount) for f in a.freezes],
            )
            for a in answered.accounts
        ]
        answer_lines.append(events.AnswerLine(line_id=answered.line_id, accounts=accounts))
    resolved: list[tuple[QueryLine, list[Any] | None]] = [
        (lines[a.line_id], [account.model_dump(mode="json") for account in a.accounts]) for a in answer_lines
    ]
    await _resolve_lines(session, resolved, LineStatus.ANSWERED, now)
    asset_query.status = QueryStatus.ANSWERED
    asset_query.answered_at = now
    asset_query.answered_by = actor.subject
    await cancel_deadlines(session, kind=QUERY_EXPIRY, subject=asset_query.id, now=now)
    await outbox.emit(
        session,
        events.AssetQueryAnswered(
            query_id=asset_query.id, bank_code=asset_query.bank_code, lines=answer_lines, answered_at=now
        ),
        subject=asset_query.id,
        key=asset_query.bank_code,
        time=now,
    )
    await _after_lines_resolved(session, lines.values(), now, "bank_answered", asset_query)
    return list(lines.values())


async def _resolve_lines(
    session: AsyncSession, resolved: Sequence[tuple[QueryLine, list[Any] | None]], status: LineStatus, now: datetime
) -> None:
    """Mark lines answered (each with the accounts the bank reported) or expired (accounts None), in one
    statement run once per line. A Core statement: the unit of work would compare every loaded line's attributes
    to find what changed, which cost more than the update itself for a query of a hundred lines. The loaded
    lines are given the stored values."""
    rows = [
        {"line_id": line.id, "status": status.value, "accounts": accounts, "resolved_at": now}
        for line, accounts in resolved
    ]
    table = QueryLine.metadata.tables["query_lines"]
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values(status=bindparam("status"), accounts=bindparam("accounts"), resolved_at=bindparam("resolved_at")),
        rows,
    )
    for (line, _), row in zip(resolved, rows, strict=True):
        for field in ("status", "accounts", "resolved_at"):
            set_committed_value(line, field, row[field])


async def expire(session: AsyncSession, *, outbox: Outbox, now: datetime, asset_query: AssetQuery) -> None:
    """The bank let its query run out: its lines count as unanswered and the inquiries go on without them."""
    if asset_query.status != QueryStatus.OPEN:
        return
    lines = await lines_of_query(session, asset_query.id)
    await _resolve_lines(session, [(line, None) for line in lines], LineStatus.EXPIRED, now)
    asset_query.status = QueryStatus.EXPIRED
    asset_query.expired_at = now
    await outbox.emit(
        session,
        events.AssetQueryExpired(query_id=asset_query.id, bank_code=asset_query.bank_code, expired_at=now),
        subject=asset_query.id,
        key=asset_query.bank_code,
        time=now,
    )
    await _after_lines_resolved(session, lines, now, "bank_query_expired", asset_query)


async def _after_lines_resolved(
    session: AsyncSession, lines: Iterable[QueryLine], now: datetime, kind: str, asset_query: AssetQuery
) -> None:
    """Note the bank's answer (or silence) on each inquiry it concerns; an inquiry whose banks have all answered
    or expired is ready for advice.

    The inquiries are locked (in id order, so that two banks' answers never wait for each other in a circle)
    before their other lines are read: two banks answering at the same moment would otherwise each see the
    other's lines as still sent, and neither would mark an inquiry they share as ready. Locked, the second reads
    the lines as the first committed them."""
    inquiry_ids = sorted({line.inquiry_id for line in lines})
    await session.flush()
    # Only the ids are read under the lock: the inquiries' letters (respondents, terms, questions, leads) are not
    # needed here, and a bank's answer concerns a hundred inquiries.
    locked = await lock_for_update(
        session, select(Inquiry.id).where(one_of(Inquiry.id, inquiry_ids)).order_by(Inquiry.id)
    )
    found = list((await session.execute(locked)).scalars())
    # Which of them still wait for another bank, in one read rather than one per inquiry.
    waiting = await session.execute(
        select(QueryLine.inquiry_id)
        .where(one_of(QueryLine.inquiry_id, inquiry_ids), QueryLine.status.in_([s.value for s in UNRESOLVED]))
        .distinct()
    )
    unresolved = set(waiting.scalars())
    detail = {"bank_code": asset_query.bank_code, "query_id": asset_query.id}
    for inquiry_id in found:
        record_step(session, TimelineEntry, inquiry_id=inquiry_id, at=now, kind=kind, actor=None, detail=detail)
    ready = [inquiry_id for inquiry_id in found if inquiry_id not in unresolved]
    if ready:
        await session.execute(update(Inquiry).where(one_of(Inquiry.id, ready)).values(assets_ready_at=now))


async def lines_of_inquiry(session: AsyncSession, inquiry_id: str) -> list[QueryLine]:
    return (await lines_of_inquiries(session, [inquiry_id])).get(inquiry_id, [])


async def lines_of_inquiries(session: AsyncSession, inquiry_ids: Sequence[str]) -> dict[str, list[QueryLine]]:
    """The query lines of several inquiries in one read, by inquiry."""
    rows = await session.execute(
        select(QueryLine).where(one_of(QueryLine.inquiry_id, inquiry_ids)).order_by(*LINE_ORDER)
    )
    by_inquiry: dict[str, list[QueryLine]] = {}
    for line in rows.scalars():
        by_inquiry.setdefault(line.inquiry_id, []).append(line)
    return by_inquiry
