"""Intake's HTTP routes for disputes: parse, authorise, call the service layer; nothing else.

The web layer is `app.py` and the `api*.py` modules: this one (disputes) and `api_batches.py` (batch uploads
and their reports); no other module imports it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from courtlink_shared.auth.actors import actor_of
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, RuntimeDep, SessionDep, require_roles
from courtlink_shared.web.documents import download, html_document
from courtlink_shared.web.periods import EARLIEST, LATEST, PeriodDep
from courtlink_shared.web.problems import Conflict, NotFound
from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse

from intake import lifecycle, queries, submissions
from intake.notices import compose_notice, render_notice_html, render_notice_pdf
from intake.rules import DisputeStatus
from intake.schemas import (
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    DisputePage,
    DuplicateReviewIn,
    StatisticsOut,
    WithdrawIn,
)

router = APIRouter(tags=["disputes"])
BankOperator = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR))]
Clerk = Annotated[Principal, Depends(require_roles(Role.INTAKE_CLERK))]
Reader = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR, Role.INTAKE_CLERK))]
StatisticsReader = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR, Role.INTAKE_CLERK, Role.ANALYST))]


@router.post(
    "/disputes",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputeOut,
    summary="Submit one dispute (idempotent per bank reference)",
)
async def submit_dispute(
    body: DisputeIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: BankOperator,
) -> DisputeOut:
    groups = runtime.worker(submissions.SubmissionGroups)
    row = await submissions.submit_dispute(groups, actor=actor_of(principal, Role.BANK_OPERATOR), item=body)
    if row.outcome == "rejected":
        raise Conflict(row.errors[0]["message"], errors=row.errors)
    if row.outcome == "existing":
        response.status_code = status.HTTP_200_OK
    assert row.dispute_id is not None
    if row.written is not None:  # answered from what was just written: no second round trip under load
        dispute = row.written.as_dispute()
    else:
        dispute = await queries.get_dispute(session, principal=principal, dispute_id=row.dispute_id)
    response.headers["Location"] = f"/disputes/{dispute.id}"
    return DisputeOut.of(dispute)


@router.get("/disputes", response_model=DisputePage, summary="List and search disputes (newest first)")
async def list_disputes(
    session: SessionDep,
    principal: Reader,
    status_: Annotated[DisputeStatus | None, Query(alias="status")] = None,
    dispute_type: str | None = None,
    submitted_from: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    submitted_to: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    respondent: Annotated[str | None, Query(description="Respondent name or ID number")] = None,
    bank_reference: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DisputePage:
    filters = queries.DisputeFilter(status_, dispute_type, submitted_from, submitted_to, respondent, bank_reference)
    items, next_cursor = await queries.list_disputes(
        session, principal=principal, filters=filters, cursor=cursor, limit=limit
    )
    return DisputePage(items=[DisputeOut.of(d) for d in items], next_cursor=next_cursor)


@router.get("/disputes/{dispute_id}", response_model=DisputeDetailOut, summary="A dispute with its full timeline")
async def get_dispute(dispute_id: str, session: SessionDep, principal: Reader) -> DisputeDetailOut:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id)
    return DisputeDetailOut.of(dispute, timeline=await queries.timeline_of(session, dispute.id))


async def _notice(dispute_id: str, session: SessionDep, principal: Principal, runtime: RuntimeDep) -> Any:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id)
    if dispute.mediation_number is None:
        raise NotFound("this dispute has no notice: it was not routed to mediation")
    return compose_notice(dispute, court_name=runtime.settings.court_name(dispute.court_code))


@router.get("/disputes/{dispute_id}/notice", response_class=HTMLResponse, summary="The mediation notice (HTML)")
async def notice_html(dispute_id: str, session: SessionDep, principal: Reader, runtime: RuntimeDep) -> HTMLResponse:
    return html_document(render_notice_html(await _notice(dispute_id, session, principal, runtime)))


@router.get(
    "/disputes/{dispute_id}/notice.pdf",
    summary="The mediation notice (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def notice_pdf(dispute_id: str, session: SessionDep, principal: Reader, runtime: RuntimeDep) -> Response:
    notice = await _notice(dispute_id, session, principal, runtime)
    return download(render_notice_pdf(notice), media_type="application/pdf", filename=f"notice-{dispute_id}.pdf")


@router.post("/disputes/{dispute_id}/withdraw", response_model=DisputeOut, summary="The bank withdraws a dispute")
async def withdraw(
    dispute_id: str, body: WithdrawIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: BankOperator
) -> DisputeOut:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id, for_update=True)
    await lifecycle.withdraw(
        session,
        outbox=outbox,
        now=clock.now(),
        dispute=dispute,
        actor=actor_of(principal, Role.BANK_OPERATOR),
        reason=body.reason,
    )
    await session.commit()
    return DisputeOut.of(dispute)


@router.post(
    "/disputes/{dispute_id}/duplicate-review",
    response_model=DisputeOut,
    summary="A clerk rejects a probable duplicate, or routes it after all",
)
async def review_duplicate(
    dispute_id: str, body: DuplicateReviewIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Clerk
) -> DisputeOut:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id, for_update=True)
    actor = actor_of(principal, Role.INTAKE_CLERK)
    if body.decision == "reject":
        await lifecycle.reject(
            session, outbox=outbox, now=clock.now(), dispute=dispute, actor=actor, reason=body.reason
        )
    else:
        await lifecycle.route_reviewed(
            session, outbox=outbox, now=clock.now(), dispute=dispute, actor=actor, reason=body.reason
        )
    await session.commit()
    return DisputeOut.of(dispute)


@router.get(
    "/statistics",
    response_model=StatisticsOut,
    summary="Intake figures for a period: your court (court staff) or your bank (bank operators)",
)
async def statistics(
    session: SessionDep,
    principal: StatisticsReader,
    reporting: PeriodDep,
) -> StatisticsOut:
    stats = await queries.statistics(session, principal=principal, period_from=reporting.start, period_to=reporting.end)
    is_bank = Role.BANK_OPERATOR in principal.roles
    return StatisticsOut(
        period_from=reporting.start,
        period_to=reporting.end,
        court_code=None if is_bank else principal.organisation,
        bank_code=principal.organisation if is_bank else None,
        **vars(stats),
    )
