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
from itertools import groupby
from typing import Any, Literal

from courtlink_shared.db.bulk_insert import insert_rows
from courtlink_shared.db.timeline import record_step
from courtlink_shared.errors import field_problem
from courtlink_shared.events.common import Actor
from courtlink_shared.events.intake import (
    DisputeSnapshot,
    DisputeSubmitted,
)
from courtlink_shared.identifiers.credit_code import check_credit_code
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.figures import count_figures
from intake.models import Dispute, Respondent, TimelineEntry
from intake.routing import mediation_numbers, record_routing
from intake.rules import (
    DisputeStatus,
    notice_template_for,
    submission_fingerprint,
)
from intake.schemas import DisputeIn

log = logging.getLogger(__name__)

Outcome = Literal["accepted", "existing", "probable_duplicate", "rejected"]


@dataclass(frozen=True)
class WrittenDispute:
    """The rows a dispute was just written as: enough to answer its submitter without reading it back."""

    row: dict[str, Any]
    respondents: list[dict[str, Any]]

    def as_dispute(self) -> Dispute:
        """The dispute as it is stored (a detached object, for the answer only)."""
        return Dispute(**self.row, respondents=[Respondent(**r) for r in self.respondents])


@dataclass
class RowOutcome:
    """What became of one submitted dispute; `written` when this very call wrote it."""

    outcome: Outcome
    dispute_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    written: WrittenDispute | None = field(default=None, repr=False)


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


@dataclass
class _NewDispute:
    """A dispute accepted in this call, before it is written."""

    id: str
    item: DisputeIn
    fingerprint: str
    duplicate_of: str | None
    mediation_number: str | None = None


async def accept_disputes(
    session: AsyncSession,
    *,
    outbox: Outbox,
    now: datetime,
    actor: Actor,
    items: Sequence[DisputeIn],
    batch_id: str | None = None,
) -> list[RowOutcome]:
    """Accept validated disputes submitted by `actor` for their bank (the actor's organisation): idempotent per
    bank reference, duplicates flagged, the rest routed.

    Set-based, so that a batch's chunk costs a handful of statements whatever its size: two look-ups, one
    number allocation per court, one multi-row insert per table. Returns one outcome per item, in order. The
    caller commits.
    """
    fingerprints = [submission_fingerprint(item.model_dump(mode="json")) for item in items]
    known = await _known_references(session, actor.organisation, [i.bank_reference for i in items])
    probable = await _probable_duplicates(session, actor.organisation, items)
    outcomes: list[RowOutcome] = []
    new: list[_NewDispute] = []
    for item, fingerprint in zip(items, fingerprints, strict=True):
        if item.bank_reference in known:
            existing_id, existing_fp = known[item.bank_reference]
            if existing_fp == fingerprint:
                outcomes.append(RowOutcome("existing", existing_id))
            else:
                outcomes.append(RowOutcome("rejected", errors=[_conflict_error(item.bank_reference)]))
            continue
        dispute_id = str(uuid.uuid4())
        known[item.bank_reference] = (dispute_id, fingerprint)
        pairs = [(item.contract_number, r.id_number) for r in item.respondents]
        duplicate_of = next((probable[pair] for pair in pairs if pair in probable), None)
        for pair in pairs:
            probable.setdefault(pair, dispute_id)
        new.append(_NewDispute(dispute_id, item, fingerprint, duplicate_of))
        outcomes.append(RowOutcome("probable_duplicate" if duplicate_of else "accepted", dispute_id))
    for dispute in new:
        await _record_submission(session, outbox=outbox, now=now, actor=actor, dispute=dispute)
    to_route = [n for n in new if n.duplicate_of is None]
    snapshots = [DisputeSnapshot.model_validate(n.item, from_attributes=True) for n in to_route]
    # From the numbers' allocation on, the court's number row is locked until the commit: only the writing is left
    numbers = await mediation_numbers(session, now, [n.item.court_code for n in to_route])
    for dispute, number in zip(to_route, numbers, strict=True):
        dispute.mediation_number = number
    written = await _insert_disputes(session, new, actor=actor, now=now, batch_id=batch_id)
    for court_code, its_new in groupby(sorted(new, key=_court_of), key=_court_of):
        disputes = list(its_new)
        routed = sum(1 for n in disputes if n.mediation_number is not None)
        count_figures(
            session, court_code=court_code, bank_code=actor.organisation, at=now, accepted=len(disputes), routed=routed
        )
    for outcome in outcomes:
        outcome.written = written.get(outcome.dispute_id or "")
    for dispute, snapshot in zip(to_route, snapshots, strict=True):
        assert dispute.mediation_number is not None
        await record_routing(
            session, outbox=outbox, now=now, dispute_id=dispute.id, number=dispute.mediation_number, snapshot=snapshot
        )
    return outcomes


def _court_of(dispute: _NewDispute) -> str:
    return dispute.item.court_code


async def _insert_disputes(
    session: AsyncSession, new: Sequence[_NewDispute], *, actor: Actor, now: datetime, batch_id: str | None
) -> dict[str, WrittenDispute]:
    """The disputes and their respondents in one multi-row insert each; routed ones already carry their number.
    Returns what was written, by dispute id."""
    if not new:
        return {}
    disputes: list[dict[str, Any]] = []
    respondents: list[dict[str, Any]] = []
    written: dict[str, WrittenDispute] = {}
    for dispute in new:
        item, claim, routed = dispute.item, dispute.item.claim, dispute.mediation_number is not None
        disputes.append(
            {
                "id": dispute.id,
                "bank_code": actor.organisation,
                "bank_name": item.claimant.name,
                "bank_reference": item.bank_reference,
                "fingerprint": dispute.fingerprint,
                "dispute_type": item.dispute_type,
                "court_code": item.court_code,
                "contract_number": item.contract_number,
                "default_date": item.default_date,
                "principal": claim.principal,
                "interest": claim.interest,
                "penalty": claim.penalty,
                "fees": claim.fees,
                "total": claim.total,
                "evidence": [e.model_dump(mode="json") for e in item.evidence],
                "warnings": _warnings(item),
                "status": DisputeStatus.ROUTED if routed else DisputeStatus.PENDING_REVIEW,
                "mediation_number": dispute.mediation_number,
                "notice_template": notice_template_for(item.dispute_type) if routed else None,
                "probable_duplicate_of": dispute.duplicate_of,
                "batch_id": batch_id,
                "submitted_at": now,
                "routed_at": now if routed else None,
                "updated_at": now,
            }
        )
        its_respondents = [
            {
                "dispute_id": dispute.id,
                "position": i,
                "kind": r.kind,
                "name": r.name,
                "id_number": r.id_number,
                "phone": r.phone,
                "address": r.address,
            }
            for i, r in enumerate(item.respondents)
        ]
        respondents += its_respondents
        written[dispute.id] = WrittenDispute(disputes[-1], its_respondents)
    await insert_rows(session, Dispute, disputes)
    await insert_rows(session, Respondent, respondents)
    return written


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


async def _record_submission(
    session: AsyncSession, *, outbox: Outbox, now: datetime, actor: Actor, dispute: _NewDispute
) -> None:
    item = dispute.item
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute.id,
        at=now,
        kind="submitted",
        summary="银行提交纠纷，经校验已受理",
        actor=actor,
        detail={"bank_reference": item.bank_reference},
    )
    if dispute.duplicate_of:
        record_step(
            session,
            TimelineEntry,
            dispute_id=dispute.id,
            at=now,
            kind="flagged_duplicate",
            summary="疑似重复提交（同一合同与被申请人），待立案工作人员审查",
            actor=None,
            detail={"probable_duplicate_of": dispute.duplicate_of},
        )
    event = DisputeSubmitted(
        dispute_id=dispute.id,
        bank_code=actor.organisation,
        bank_reference=item.bank_reference,
        court_code=item.court_code,
        dispute_type=item.dispute_type,
        submitted_at=now,
        probable_duplicate_of=dispute.duplicate_of,
    )
    await outbox.emit(session, event, subject=dispute.id, time=now)
