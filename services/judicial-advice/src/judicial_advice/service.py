"""Judicial advice's operations: each one checks the step is allowed, records who did it, and emits its event on
`advice.items` in the same transaction. Illegal steps raise InvalidTransition and change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.sequences import next_number
from courtlink_shared.db.timeline import record_step
from courtlink_shared.deadlines.sweep import cancel_deadlines, schedule_deadline
from courtlink_shared.errors import InvalidTransition, NotPermitted
from courtlink_shared.events import advice as events
from courtlink_shared.events.common import Actor, Organisation
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from judicial_advice.figures import count_figures
from judicial_advice.models import Advice, AdviceVersion, TimelineEntry
from judicial_advice.rules import (
    ADOPTED,
    AWAITING_REPLY,
    EDITABLE,
    AdviceStatus,
    advice_number,
    can_transition,
    number_scope,
    place_of,
    reminders,
    replied_on_time,
    reply_deadline,
)
from judicial_advice.schemas import AdviceIn

REPLY_DUE = "advice.reply_due"
REMINDER = "advice.reminder"


def _content(body: AdviceIn) -> dict[str, Any]:
    return body.model_dump(
        mode="json",
        exclude={
            "title",
            "recipient_name",
            "recipient_code",
            "superior_authority",
            "cc",
            "reply_months",
            "extended_deadline_basis",
        },
    )


def _sweep(advice: Advice) -> Actor:
    """The deadline sweep, acting for the court that issued the advice."""
    return Actor(subject="deadline-sweep", organisation=advice.court_code, role="system")


def _move(advice: Advice, target: AdviceStatus, now: datetime) -> None:
    current = AdviceStatus(advice.status)
    if not can_transition(current, target):
        raise InvalidTransition(f"an advice that is {current} cannot become {target}")
    advice.status = target
    advice.updated_at = now


def _apply(advice: Advice, body: AdviceIn) -> None:
    advice.title = body.title
    advice.recipient_name = body.recipient_name
    advice.recipient_code = body.recipient_code
    advice.superior_authority = body.superior_authority
    advice.cc = body.cc
    advice.reply_months = body.reply_months
    advice.extended_deadline_basis = body.extended_deadline_basis
    advice.content = _content(body)


async def draft(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    actor: Actor,
    court_places: Mapping[str, str],
    body: AdviceIn,
) -> Advice:
    """A judge or the research office drafts advice in the court's name (version 1); a court without a configured
    place abbreviation for its advice numbers is refused (NotPermitted) before anything is saved."""
    place = place_of(court_places, actor.organisation)
    if place is None:
        raise NotPermitted(
            f"court {actor.organisation} has no place abbreviation for advice numbers (COURT_PLACES); "
            "the administrator must configure one before it drafts judicial advice"
        )
    advice = Advice(
        id=str(uuid.uuid4()),
        court_code=actor.organisation,
        place=place,
        status=AdviceStatus.DRAFT,
        version=1,
        created_by=actor.subject,
        created_at=now,
        updated_at=now,
    )
    _apply(advice, body)
    session.add(advice)
    session.add(
        AdviceVersion(
            advice_id=advice.id, version=1, content=body.model_dump(mode="json"), saved_by=actor.subject, saved_at=now
        )
    )
    event = events.AdviceDrafted(
        advice_id=advice.id,
        by=actor,
        at=now,
        court_code=advice.court_code,
        recipient=Organisation(name=body.recipient_name, code=body.recipient_code),
        title=body.title,
    )
    detail = {"version": 1}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="drafted", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)
    return advice


async def revise(
    session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice, body: AdviceIn
) -> None:
    """Save a new version; only a draft or returned advice can change, and every version is kept."""
    if AdviceStatus(advice.status) not in EDITABLE:
        raise InvalidTransition(f"an advice that is {advice.status} can no longer be edited")
    advice.version += 1
    _apply(advice, body)
    advice.updated_at = now
    session.add(
        AdviceVersion(
            advice_id=advice.id,
            version=advice.version,
            content=body.model_dump(mode="json"),
            saved_by=actor.subject,
            saved_at=now,
        )
    )
    detail = {"version": advice.version}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="revised", actor=actor, detail=detail)


async def submit(session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice) -> None:
    _move(advice, AdviceStatus.SUBMITTED, now)
    event = events.AdviceSubmitted(advice_id=advice.id, by=actor, at=now, version=advice.version)
    detail = {"version": advice.version}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="submitted", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def return_for_revision(
    session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice, comments: str
) -> None:
    _move(advice, AdviceStatus.RETURNED, now)
    event = events.AdviceReturned(advice_id=advice.id, by=actor, at=now, comments=comments)
    detail = {"comments": comments, "version": advice.version}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="returned", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def approve(session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice) -> None:
    """The judicial committee approves."""
    _move(advice, AdviceStatus.APPROVED, now)
    event = events.AdviceApproved(advice_id=advice.id, by=actor, at=now)
    detail = {"version": advice.version}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="approved", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def issue(session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice) -> None:
    """The president signs; the advice gets the court's next number of the year, without gaps."""
    _move(advice, AdviceStatus.ISSUED, now)
    year = now.astimezone(SHANGHAI).year
    sequence = await next_number(session, scope=number_scope(advice.court_code), year=year)
    advice.number = advice_number(advice.place, year, sequence)
    advice.issued_at = now
    count_figures(session, advice, issued=1)
    event = events.AdviceIssued(advice_id=advice.id, by=actor, at=now, number=advice.number)
    detail = {"number": advice.number}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="issued", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def deliver(
    session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice, method: str, proof: str
) -> None:
    """Delivered: the reply deadline is fixed now, and the overdue sweep is scheduled."""
    _move(advice, AdviceStatus.DELIVERED, now)
    advice.delivered_at = now
    advice.delivery = {"method": method, "proof": proof}
    advice.reply_deadline = reply_deadline(now, advice.reply_months)
    count_figures(session, advice, delivered=1)
    await schedule_deadline(session, kind=REPLY_DUE, subject=advice.id, due_at=advice.reply_deadline)
    for when, label in reminders(advice.reply_deadline):
        await schedule_deadline(session, kind=REMINDER, subject=advice.id, due_at=when, payload={"when": label})
    event = events.AdviceDelivered(
        advice_id=advice.id,
        by=actor,
        at=now,
        method=method,
        reply_deadline=advice.reply_deadline,
    )
    detail = {"method": method, "proof": proof}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="delivered", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def acknowledge(session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice) -> None:
    """The agency signs for receipt."""
    _move(advice, AdviceStatus.ACKNOWLEDGED, now)
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="acknowledged", actor=actor)
    event = events.AdviceAcknowledged(advice_id=advice.id, by=actor, at=now)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def reply(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    actor: Actor,
    advice: Advice,
    adoption: str,
    measures: str,
    reasons: str | None,
    attachments: list[str],
    final: bool,
) -> None:
    """A written reply, once or in stages; the final one closes the wait."""
    if AdviceStatus(advice.status) not in AWAITING_REPLY:
        raise InvalidTransition(f"an advice that is {advice.status} takes no reply")
    on_time = replied_on_time(now, advice.reply_deadline)
    if final:
        _move(advice, AdviceStatus.REPLIED, now)
        advice.final_reply_at = now
        advice.adoption = adoption
        count_figures(session, advice, replied=1, replied_on_time=int(on_time), adopted=int(adoption in ADOPTED))
        await cancel_deadlines(session, kind=REPLY_DUE, subject=advice.id, now=now)
        await cancel_deadlines(session, kind=REMINDER, subject=advice.id, now=now)
    event = events.AdviceReplied(
        advice_id=advice.id,
        by=actor,
        at=now,
        adoption=adoption,
        final=final,
        on_time=on_time,
    )
    detail = {
        "adoption": adoption,
        "measures": measures,
        "reasons": reasons,
        "attachments": attachments,
        "final": final,
        "on_time": on_time,
    }
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="replied", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def mark_overdue(session: AsyncSession, *, outbox: Outbox, now: datetime, advice: Advice) -> bool:
    """The deadline passed without a final reply (the sweep calls this once per advice)."""
    if AdviceStatus(advice.status) not in AWAITING_REPLY or advice.overdue_at is not None:
        return False
    assert advice.reply_deadline is not None
    advice.overdue_at = now
    actor = _sweep(advice)
    event = events.AdviceOverdue(advice_id=advice.id, by=actor, at=now, reply_deadline=advice.reply_deadline)
    detail = {"superior_authority": advice.superior_authority}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="overdue", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)
    return True


async def evaluate(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    actor: Actor,
    advice: Advice,
    effectiveness: str,
    return_visit: str,
) -> None:
    _move(advice, AdviceStatus.EVALUATED, now)
    advice.evaluation = {"effectiveness": effectiveness, "return_visit": return_visit}
    event = events.AdviceEvaluated(advice_id=advice.id, by=actor, at=now, effectiveness=effectiveness)
    detail = advice.evaluation
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="evaluated", actor=actor, detail=detail)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def archive(session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, advice: Advice) -> None:
    _move(advice, AdviceStatus.ARCHIVED, now)
    advice.archived_at = now
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="archived", actor=actor)
    event = events.AdviceArchived(advice_id=advice.id, by=actor, at=now)
    await outbox.emit(session, event, subject=advice.id, time=now)


async def remind(session: AsyncSession, *, now: datetime, advice: Advice, when: str) -> None:
    """A reminder to the recipient a week before the deadline, and again a week after it (recorded on the file;
    the reminder letter itself goes out through the court's delivery channel)."""
    if AdviceStatus(advice.status) not in AWAITING_REPLY:
        return
    detail = {"when": when, "to": advice.recipient_name}
    sweep = _sweep(advice)
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="reminded", actor=sweep, detail=detail)


async def escalate(session: AsyncSession, *, now: datetime, actor: Actor, advice: Advice, reason: str) -> None:
    """Copy the advice to the recipient's superior authority (serious matters, or no reply after the deadline)."""
    if AdviceStatus(advice.status) not in AWAITING_REPLY and AdviceStatus(advice.status) != AdviceStatus.REPLIED:
        raise InvalidTransition(f"an advice that is {advice.status} cannot be escalated")
    if not advice.superior_authority:
        raise InvalidTransition("no superior authority is recorded for the recipient")
    detail = {"to": advice.superior_authority, "reason": reason}
    record_step(session, TimelineEntry, advice_id=advice.id, at=now, kind="escalated", actor=actor, detail=detail)
