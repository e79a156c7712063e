"""Enforcement inquiry's operations on inquiries: a judge submits, the bureau accepts and assigns an officer,
the officer advises, the judge acknowledges, the sweep flags an inquiry past its service level. Each checks the
step is allowed, records who did it and emits its event in the same transaction; illegal steps raise a domain
error and change nothing. Asking banks and their consolidated queries are in `bank_queries`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from courtlink_shared.db.timeline import record_step
from courtlink_shared.deadlines.sweep import cancel_deadlines, schedule_deadline
from courtlink_shared.errors import Conflict, InvalidInput, InvalidTransition, NotPermitted
from courtlink_shared.events import enforcement as events
from courtlink_shared.events.common import Actor, Party
from courtlink_shared.events.intake import DisputeFiled
from courtlink_shared.identifiers.case_number import parse_case_number
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_inquiry.bank_queries import ask_banks, lines_of_inquiry
from enforcement_inquiry.figures import count_advice, count_inquiry
from enforcement_inquiry.models import FiledCase, Inquiry, QueryLine, TimelineEntry
from enforcement_inquiry.rules import (
    AccountFigure,
    InquiryStatus,
    LineStatus,
    can_transition,
    recoverable_estimate,
    service_level_due,
    turnaround_us,
)
from enforcement_inquiry.schemas import AdviceIn, BankIn, InquiryIn

INQUIRY_DUE = "enforcement.inquiry.due"


def _move(inquiry: Inquiry, target: InquiryStatus) -> None:
    current = InquiryStatus(inquiry.status)
    if not can_transition(current, target):
        raise InvalidTransition(f"an inquiry that is {current} cannot become {target}")
    inquiry.status = target


async def record_filed_case(session: AsyncSession, filed: DisputeFiled) -> None:
    """Keep the parties of a case intake filed, so that an inquiry on it can take them from here."""
    await session.merge(
        FiledCase(
            case_number=filed.case_number,
            court_code=filed.court_code,
            dispute_id=filed.dispute_id,
            claimant=filed.claimant.model_dump(mode="json"),
            respondents=[p.model_dump(mode="json") for p in filed.respondents],
            claim_total=filed.claim.total,
            filed_at=filed.filed_at,
        )
    )


def _party(p: dict[str, Any]) -> dict[str, Any]:
    return {"kind": p["kind"], "name": p["name"], "id_number": p["id_number"]}


async def _respondents(session: AsyncSession, court_code: str, body: InquiryIn) -> tuple[list[dict[str, Any]], bool]:
    """The respondents of the inquiry and whether they come from intake. A case intake filed fixes who the
    respondents are: the judge may name some of them (or none: all), never anyone else."""
    number = parse_case_number(body.case_number)
    if number.court_code != court_code:
        raise InvalidInput.on_fields(
            ("body.case_number", f"{body.case_number} is not a case of your court", "案号不属于本院")
        )
    named = [_party(p.model_dump()) for p in body.respondents]
    filed = await session.get(FiledCase, body.case_number)
    if filed is None:
        if not named:
            raise InvalidInput.on_fields(
                ("body.respondents", "the case is not known from intake: name the respondents", "请填写被执行人")
            )
        return named, False
    on_file = {p["id_number"]: _party(p) for p in filed.respondents}
    if not named:
        return list(on_file.values()), True
    faults = [
        (f"body.respondents.{i}.id_number", f"{p['name']} is not a respondent of {filed.case_number}", "不是本案被告")
        for i, p in enumerate(named)
        if p["id_number"] not in on_file
    ]
    if faults:
        raise InvalidInput.on_fields(*faults)
    return [on_file[p["id_number"]] for p in named], True


async def submit(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    actor: Actor,
    body: InquiryIn,
    service_level_days: int,
    urgent_service_level_days: int,
) -> Inquiry:
    """A trial judge sends a 执行咨询函; the service-level deadline starts now and the sweep watches it."""
    court_code = actor.organisation
    respondents, from_intake = await _respondents(session, court_code, body)
    due_at = service_level_due(now, urgent=body.urgent, days=service_level_days, urgent_days=urgent_service_level_days)
    inquiry = Inquiry(
        id=str(uuid.uuid4()),
        court_code=court_code,
        case_number=body.case_number,
        parties_from_intake=from_intake,
        status=InquiryStatus.SUBMITTED,
        urgent=body.urgent,
        judge=actor.subject,
        respondents=respondents,
        claim_amount=body.terms.amount,
        terms=body.terms.model_dump(mode="json"),
        questions=list(body.questions),
        property_leads=[lead.model_dump(mode="json") for lead in body.property_leads],
        submitted_at=now,
        due_at=due_at,
    )
    session.add(inquiry)
    count_inquiry(session, inquiry, inquiries=1, urgent=int(inquiry.urgent))
    detail = {"urgent": body.urgent, "parties_from_intake": from_intake}
    record_step(session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="submitted", actor=actor, detail=detail)
    await schedule_deadline(session, kind=INQUIRY_DUE, subject=inquiry.id, due_at=due_at)
    await outbox.emit(
        session,
        events.InquirySubmitted(
            inquiry_id=inquiry.id,
            court_code=court_code,
            case_number=inquiry.case_number,
            respondents=[Party(**p) for p in respondents],
            urgent=inquiry.urgent,
            submitted_at=now,
        ),
        subject=inquiry.id,
        time=now,
    )
    return inquiry


def lead_banks(inquiry: Inquiry) -> list[BankIn]:
    """The banks named in the judge's property leads, once each."""
    banks: dict[str, BankIn] = {}
    for lead in inquiry.property_leads:
        if lead.get("bank"):
            banks.setdefault(lead["bank"]["code"], BankIn.model_validate(lead["bank"]))
    return list(banks.values())


async def accept(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    inquiry: Inquiry,
    actor: Actor,
    officer: str,
    banks: Sequence[BankIn],
    window: timedelta,
) -> None:
    """The bureau accepts the inquiry and assigns an officer; the banks given are asked about every respondent."""
    _move(inquiry, InquiryStatus.ACCEPTED)
    inquiry.officer = officer
    inquiry.accepted_at = now
    detail = {"officer": officer}
    record_step(session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="accepted", actor=actor, detail=detail)
    await outbox.emit(
        session,
        events.InquiryAccepted(inquiry_id=inquiry.id, officer=officer, accepted_at=now, due_at=inquiry.due_at),
        subject=inquiry.id,
        time=now,
    )
    await ask_banks(session, now=now, inquiry=inquiry, actor=actor, banks=banks, respondents=None, window=window)


def estimate(inquiry: Inquiry, lines: Iterable[QueryLine]) -> Decimal:
    """The recoverable amount from the accounts the banks reported for this inquiry, at most the claim."""
    figures = [
        AccountFigure(
            balance=Decimal(account["balance"]),
            frozen=sum((Decimal(f["amount"]) for f in account.get("freezes", [])), Decimal("0")),
        )
        for line in lines
        if line.status == LineStatus.ANSWERED
        for account in line.accounts or []
    ]
    return recoverable_estimate(inquiry.claim_amount, figures)


async def issue_advice(
    session: AsyncSession, *, outbox: Outbox, now: datetime, inquiry: Inquiry, actor: Actor, body: AdviceIn
) -> None:
    """The assigned officer issues the 执行建议 once every bank asked has answered or let its query expire; the
    recoverable amount is estimated from the answers against the claim."""
    if not can_transition(InquiryStatus(inquiry.status), InquiryStatus.ADVISED):
        raise InvalidTransition(f"an inquiry that is {inquiry.status} cannot be advised")
    if inquiry.officer != actor.subject:
        raise NotPermitted(f"only the assigned officer ({inquiry.officer}) issues the advice")
    if inquiry.assets_ready_at is None:
        raise Conflict("bank queries are still outstanding: the advice waits for their answers or their expiry")
    _move(inquiry, InquiryStatus.ADVISED)
    lines = await lines_of_inquiry(session, inquiry.id)
    recoverable = estimate(inquiry, lines)
    inquiry.advice = {
        "conclusion": body.conclusion,
        "claim_amount": str(inquiry.claim_amount),
        "recoverable_amount": str(recoverable),
        "proposed_changes": list(body.proposed_changes),
        "reasons": body.reasons,
        "officer": actor.subject,
        "issued_at": now.isoformat(),
    }
    inquiry.advice_conclusion = body.conclusion
    inquiry.advised_at = now
    inquiry.turnaround_us = turnaround_us(inquiry.submitted_at, now)
    count_advice(session, inquiry)
    detail = {"conclusion": body.conclusion, "recoverable": str(recoverable)}
    record_step(session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="advised", actor=actor, detail=detail)
    await cancel_deadlines(session, kind=INQUIRY_DUE, subject=inquiry.id, now=now)
    await outbox.emit(
        session,
        events.EnforcementAdviceIssued(
            inquiry_id=inquiry.id,
            conclusion=body.conclusion,
            claim_amount=inquiry.claim_amount,
            recoverable_amount=recoverable,
            issued_at=now,
        ),
        subject=inquiry.id,
        time=now,
    )


def acknowledge(session: AsyncSession, *, now: datetime, inquiry: Inquiry, actor: Actor) -> None:
    """The trial judge has read the advice."""
    _move(inquiry, InquiryStatus.ACKNOWLEDGED)
    inquiry.acknowledged_at = now
    inquiry.acknowledged_by = actor.subject
    record_step(session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="acknowledged", actor=actor)


async def mark_overdue(session: AsyncSession, *, outbox: Outbox, now: datetime, inquiry: Inquiry) -> None:
    """The service level passed without advice: flagged once, with an event."""
    if inquiry.overdue_at is not None or inquiry.advised_at is not None:
        return
    inquiry.overdue_at = now
    count_inquiry(session, inquiry, flagged_overdue=1)
    detail = {"due_at": inquiry.due_at.isoformat()}
    record_step(session, TimelineEntry, inquiry_id=inquiry.id, at=now, kind="overdue", actor=None, detail=detail)
    await outbox.emit(
        session,
        events.InquiryOverdue(inquiry_id=inquiry.id, due_at=inquiry.due_at, detected_at=now),
        subject=inquiry.id,
        time=now,
    )
