"""Routing: a dispute gets its pre-litigation mediation number (gap-free per court and year) and its notice, and
is sent to mediation with everything mediation needs to know about it (event-carried state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.db.timeline import record_step
from courtlink_shared.events.common import Claim, EvidenceRef, Organisation, Party
from courtlink_shared.events.intake import DisputeRouted, DisputeSnapshot, NoticeRef
from courtlink_shared.identifiers.case_number import PRE_LITIGATION_MEDIATION
from courtlink_shared.identifiers.case_number_allocation import allocate_case_numbers
from courtlink_shared.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from intake.figures import count_figures
from intake.models import Dispute, Respondent, TimelineEntry
from intake.rules import DisputeStatus, notice_template_for


async def mediation_numbers(session: AsyncSession, now: datetime, courts: Sequence[str]) -> list[str]:
    """The next pre-litigation mediation number of each dispute's court, in order: one allocation per court
    (gap-free; the court's number row stays locked until the transaction ends)."""
    year = now.astimezone(SHANGHAI).year
    by_court: dict[str, list[int]] = {}
    for index, court in enumerate(courts):
        by_court.setdefault(court, []).append(index)
    numbers: list[str] = [""] * len(courts)
    for court, indexes in sorted(by_court.items()):
        allocated = await allocate_case_numbers(
            session, court_code=court, type_code=PRE_LITIGATION_MEDIATION, year=year, count=len(indexes)
        )
        for index, number in zip(indexes, allocated, strict=True):
            numbers[index] = str(number)
    return numbers


def snapshot_of(dispute: Dispute) -> DisputeSnapshot:
    """The dispute as mediation needs it (event-carried state)."""
    return DisputeSnapshot(
        bank_reference=dispute.bank_reference,
        dispute_type=dispute.dispute_type,
        claimant=Organisation(name=dispute.bank_name, code=dispute.bank_code),
        respondents=[party_of(r) for r in dispute.respondents],
        claim=Claim.model_validate(dispute, from_attributes=True),
        contract_number=dispute.contract_number,
        default_date=dispute.default_date,
        court_code=dispute.court_code,
        evidence=[EvidenceRef.model_validate(e) for e in dispute.evidence],
    )


def party_of(respondent: Respondent) -> Party:
    """A stored respondent as events and documents name a party."""
    return Party.model_validate(respondent, from_attributes=True)


async def route(session: AsyncSession, *, outbox: Outbox, now: datetime, disputes: Sequence[Dispute]) -> None:
    """Give stored disputes (probable duplicates a clerk released) their pre-litigation mediation number and
    notice, and send them to mediation. New disputes are routed as they are accepted (accept_disputes)."""
    numbers = await mediation_numbers(session, now, [d.court_code for d in disputes])
    for dispute, number in zip(disputes, numbers, strict=True):
        dispute.mediation_number = number
        dispute.notice_template = notice_template_for(dispute.dispute_type)
        dispute.status = DisputeStatus.ROUTED
        dispute.routed_at = now
        dispute.updated_at = now
        count_figures(session, court_code=dispute.court_code, bank_code=dispute.bank_code, at=now, routed=1)
        await record_routing(
            session, outbox=outbox, now=now, dispute_id=dispute.id, number=number, snapshot=snapshot_of(dispute)
        )


async def record_routing(
    session: AsyncSession, *, outbox: Outbox, now: datetime, dispute_id: str, number: str, snapshot: DisputeSnapshot
) -> None:
    """The routing step in the timeline and the event that opens the mediation case."""
    record_step(
        session,
        TimelineEntry,
        dispute_id=dispute_id,
        at=now,
        kind="routed",
        summary=f"已分流至诉前调解，编号{number}，已发出诉前调解告知书",
        actor=None,
        detail={"mediation_number": number},
    )
    event = DisputeRouted(
        dispute_id=dispute_id,
        mediation_number=number,
        notice=NoticeRef(
            template=notice_template_for(snapshot.dispute_type), issued_at=now, url=f"/disputes/{dispute_id}/notice"
        ),
        dispute=snapshot,
        routed_at=now,
    )
    await outbox.emit(session, event, subject=dispute_id, time=now)
