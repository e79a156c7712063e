"""Intake's operations on disputes: each runs in the caller's transaction, state change and events together.

Submission is idempotent per (bank, bank reference): the same content returns the original dispute, other
content is a conflict. A new reference for a contract and respondent the bank already submitted is held as a
probable duplicate until a clerk decides.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from courtlink_shared.auth.actors import actor_of
from courtlink_shared.auth.principal import Principal
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.timeline import record_step
from courtlink_shared.errors import Conflict, InvalidInput, field_problem
from courtlink_shared.events.common import Actor, Claim, EvidenceRef, Organisation, Party
from courtlink_shared.events.intake import (
    DisputeRouted,
    DisputeSnapshot,
    DisputeSubmitted,
    NoticeRef,
)
from courtlink_shared.identifiers.case_number import PRE_LITIGATION_MEDIATION
from courtlink_shared.identifiers.case_number_allocation import allocate_case_numbers
from courtlink_shared.identifiers.credit_code import check_credit_code
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import Dispute, Respondent, TimelineEntry
from intake.rules import (
    DisputeStatus,
    notice_template_for,
    submission_fingerprint,
)
from intake.schemas import DisputeIn

log = logging.getLogger(__name__)

Outcome = Literal["accepted", "existing", "probable_duplicate", "rejected"]


@dataclass
class RowOutcome:
    """What became of one submitted dispute."""

    outcome: Outcome
    dispute_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Submitter:
    """The bank and the person submitting."""

    bank_code: str
    actor: Actor


def submitter_of(principal: Principal) -> Submitter:
    """The submitting bank is always the token's organisation."""
    return Submitter(principal.organisation, actor_of(principal, "bank_operator"))


def claimant_errors(item: DisputeIn, bank_code: str) -> list[dict[str, Any]]:
    """A bank submits only its own disputes: the claimant must be the token's organisation."""
    if item.claimant.code == bank_code:
        return []
    return [
        field_problem(
            "claimant.code",
            "the claimant must be the bank of the submitting user",
            "申请人必须为提交用户所属银行",
            code="not_your_organisation",
        )
    ]


def _warnings(item: DisputeIn) -> list[str]:
    codes = [item.claimant.code] + [r.id_number for r in item.respondents if r.kind == "company"]
    return [
        f"{code}: legacy credit code (checksum fails), accepted"
        for code in codes
        if not check_credit_code(code).checksum_ok
    ]


def _conflict_error(reference: str) -> dict[str, Any]:
    return field_problem(
        "bank_reference",
        f"bank reference {reference} was already submitted with different content",
        "该银行业务编号已提交过且内容不同",
        code="conflict",
    )


async def submit_dispute(
    session: AsyncSession, *, outbox: Outbox, now: datetime, principal: Principal, item: DisputeIn
) -> RowOutcome:
    """One dispute submitted through the API, committed; the claimant must be the caller's bank.

    A concurrent submission of the same reference (or the same number row) wins the unique key: run again,
    and the second run sees the winner's dispute.
    """
    errors = claimant_errors(item, principal.organisation)
    if errors:
        raise InvalidInput("the claimant is not your bank", errors=errors)
    for _attempt in range(3):
        try:
            [outcome] = await accept_disputes(
                session, outbox=outbox, now=now, submitter=submitter_of(principal), items=[item]
            )
            await session.commit()
            return outcome
        except IntegrityError:
            await session.rollback()
    raise Conflict("the same dispute is being submitted concurrently; retry")


async def accept_disputes(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    submitter: Submitter,
    items: Sequence[DisputeIn],
    batch_id: str | None = None,
) -> list[RowOutcome]:
    """Accept validated disputes of one bank: idempotent per bank reference, duplicates flagged, the rest routed.

    Returns one outcome per item, in order. The caller commits.
    """
    fingerprints = [submission_fingerprint(item.model_dump(mode="json")) for item in items]
    known = await _known_references(session, submitter.bank_code, [i.bank_reference for i in items])
    probable = await _probable_duplicates(session, submitter.bank_code, items)
    outcomes: list[RowOutcome] = []
    new: list[tuple[DisputeIn, Dispute]] = []
    for item, fingerprint in zip(items, fingerprints, strict=True):
        if item.bank_reference in known:
            existing_id, existing_fp = known[item.bank_reference]
            if existing_fp == fingerprint:
                outcomes.append(RowOutcome("existing", existing_id))
            else:
                outcomes.append(RowOutcome("rejected", errors=[_conflict_error(item.bank_reference)]))
            continue
        dispute = _new_dispute(item, fingerprint, submitter, now, batch_id)
        known[item.bank_reference] = (dispute.id, fingerprint)
        duplicate_of = next(
            (
                probable[(item.contract_number, r.id_number)]
                for r in item.respondents
                if (item.contract_number, r.id_number) in probable
            ),
            None,
        )
        for respondent in item.respondents:
            probable.setdefault((item.contract_number, respondent.id_number), dispute.id)
        dispute.probable_duplicate_of = duplicate_of
        session.add(dispute)
        new.append((item, dispute))
        outcomes.append(RowOutcome("probable_duplicate" if duplicate_of else "accepted", dispute.id))
    await session.flush()
    for item, dispute in new:
        await _record_submission(session, outbox=outbox, now=now, submitter=submitter, dispute=dispute, item=item)
    to_route = [dispute for _item, dispute in new if dispute.probable_duplicate_of is None]
    await route(session, outbox=outbox, now=now, disputes=to_route)
    return outcomes


async def _known_references(session: AsyncSession, bank_code: str, references: list[str]) -> dict[str, tuple[str, str]]:
    rows = await session.execute(
        select(Dispute.bank_reference, Dispute.id, Dispute.fingerprint).where(
            Dispute.bank_code == bank_code, Dispute.bank_reference.in_(set(references))
        )
    )
    return {ref: (dispute_id, fp) for ref, dispute_id, fp in rows}


async def _probable_duplicates(
    session: AsyncSession, bank_code: str, items: Sequence[DisputeIn]
) -> dict[tuple[str, str], str]:
    """(contract number, respondent ID) pairs this bank already submitted, with the dispute they belong to."""
    contracts = {i.contract_number for i in items}
    rows = await session.execute(
        select(Dispute.contract_number, Respondent.id_number, Dispute.id)
        .join(Respondent, Respondent.dispute_id == Dispute.id)
        .where(Dispute.bank_code == bank_code, Dispute.contract_number.in_(contracts))
        .where(Dispute.status != DisputeStatus.REJECTED)
    )
    return {(contract, id_number): dispute_id for contract, id_number, dispute_id in rows}


def _new_dispute(
    item: DisputeIn, fingerprint: str, submitter: Submitter, now: datetime, batch_id: str | None
) -> Dispute:
    claim = item.claim
    return Dispute(
        id=str(uuid.uuid4()),
        bank_code=submitter.bank_code,
        bank_name=item.claimant.name,
        bank_reference=item.bank_reference,
        fingerprint=fingerprint,
        dispute_type=item.dispute_type,
        court_code=item.court_code,
        contract_number=item.contract_number,
        default_date=item.default_date,
        principal=claim.principal,
        interest=claim.interest,
        penalty=claim.penalty,
        fees=claim.fees,
        total=claim.total,
        evidence=[e.model_dump(mode="json") for e in item.evidence],
        warnings=_warnings(item),
        status=DisputeStatus.PENDING_REVIEW,
        batch_id=batch_id,
        submitted_at=now,
        updated_at=now,
        respondents=[
            Respondent(position=i, kind=r.kind, name=r.name, id_number=r.id_number, phone=r.phone, address=r.address)
            for i, r in enumerate(item.respondents)
        ],
    )


async def _record_submission(
    session: AsyncSession, *, outbox: Outbox, now: datetime, submitter: Submitter, dispute: Dispute, item: DisputeIn
) -> None:
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=now,
        kind="submitted",
        summary="银行提交纠纷，经校验已受理",
        actor=submitter.actor,
        detail={"bank_reference": dispute.bank_reference},
    )
    if dispute.probable_duplicate_of:
        record_step(
            session,
            TimelineEntry,
            dispute_id=dispute.id,
            at=now,
            kind="flagged_duplicate",
            summary="疑似重复提交（同一合同与被申请人），待立案工作人员审查",
            actor=None,
            detail={"probable_duplicate_of": dispute.probable_duplicate_of},
        )
    event = DisputeSubmitted(
        dispute_id=dispute.id,
        bank_code=dispute.bank_code,
        bank_reference=dispute.bank_reference,
        court_code=dispute.court_code,
        dispute_type=dispute.dispute_type,
        submitted_at=now,
        probable_duplicate_of=dispute.probable_duplicate_of,
    )
    await outbox.emit(session, event, subject=dispute.id, time=now)


def snapshot_of(dispute: Dispute) -> DisputeSnapshot:
    """The dispute as mediation needs it (event-carried state)."""
    return DisputeSnapshot(
        bank_reference=dispute.bank_reference,
        dispute_type=dispute.dispute_type,
        claimant=Organisation(name=dispute.bank_name, code=dispute.bank_code),
        respondents=[party_of(r) for r in dispute.respondents],
        claim=Claim(
            principal=dispute.principal,
            interest=dispute.interest,
            penalty=dispute.penalty,
            fees=dispute.fees,
            total=dispute.total,
        ),
        contract_number=dispute.contract_number,
        default_date=dispute.default_date,
        court_code=dispute.court_code,
        evidence=[EvidenceRef.model_validate(e) for e in dispute.evidence],
    )


def party_of(respondent: Respondent) -> Party:
    return Party(
        kind=respondent.kind,
        name=respondent.name,
        id_number=respondent.id_number,
        phone=respondent.phone,
        address=respondent.address,
    )


async def route(session: AsyncSession, *, outbox: Outbox, now: datetime, disputes: Sequence[Dispute]) -> None:
    """Give each dispute its pre-litigation mediation number and notice, and send it to mediation."""
    year = now.astimezone(SHANGHAI).year
    by_court: dict[str, list[Dispute]] = {}
    for dispute in disputes:
        by_court.setdefault(dispute.court_code, []).append(dispute)
    for court, disputes in sorted(by_court.items()):
        numbers = await allocate_case_numbers(
            session, court_code=court, type_code=PRE_LITIGATION_MEDIATION, year=year, count=len(disputes)
        )
        for dispute, number in zip(disputes, numbers, strict=True):
            dispute.mediation_number = str(number)
            dispute.notice_template = notice_template_for(dispute.dispute_type)
            dispute.status = DisputeStatus.ROUTED
            dispute.routed_at = now
            dispute.updated_at = now
            record_step(
                session,
                TimelineEntry,
                dispute_id=dispute.id,
                at=now,
                kind="routed",
                summary=f"已分流至诉前调解，编号{number}，已发出诉前调解告知书",
                actor=None,
                detail={"mediation_number": str(number)},
            )
            event = DisputeRouted(
                dispute_id=dispute.id,
                mediation_number=dispute.mediation_number,
                notice=NoticeRef(template=dispute.notice_template, issued_at=now, url=f"/disputes/{dispute.id}/notice"),
                dispute=snapshot_of(dispute),
                routed_at=now,
            )
            await outbox.emit(session, event, subject=dispute.id, time=now)
