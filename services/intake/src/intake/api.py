"""Intake's HTTP routes: parse, authorise, call the service layer; nothing else."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from courtlink_shared.auth.actors import actor_of
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.errors import field_errors, field_problem
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, RuntimeDep, SessionDep, require_roles
from courtlink_shared.web.documents import download, html_document
from courtlink_shared.web.periods import EARLIEST, LATEST, PeriodDep
from courtlink_shared.web.problems import Conflict, NotFound, UnprocessableInput
from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from intake import queries, service
from intake.batches import BatchProcessor, store_batch
from intake.csv_io import CsvError, parse_batch_csv, report_csv, template_csv
from intake.models import Batch, BatchRow, Dispute
from intake.notices import compose_notice, render_notice_html, render_notice_pdf
from intake.rules import BATCH_MAX_ROWS, DisputeStatus
from intake.schemas import (
    BatchIn,
    BatchOut,
    BatchReportOut,
    BatchRowOut,
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    DisputePage,
    DuplicateReviewIn,
    NoticeOut,
    StatisticsOut,
    TimelineEntryOut,
    WithdrawIn,
)
from intake.xlsx_template import template_xlsx

router = APIRouter(tags=["disputes"])
BankOperator = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR))]
Clerk = Annotated[Principal, Depends(require_roles(Role.INTAKE_CLERK))]
Reader = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR, Role.INTAKE_CLERK))]
StatisticsReader = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR, Role.INTAKE_CLERK, Role.ANALYST))]


def dispute_out(dispute: Dispute) -> DisputeOut:
    notice = None
    if dispute.notice_template and dispute.routed_at:
        base = f"/disputes/{dispute.id}/notice"
        notice = NoticeOut(
            template=dispute.notice_template, issued_at=dispute.routed_at, html_url=base, pdf_url=f"{base}.pdf"
        )
    return DisputeOut(
        id=dispute.id,
        status=DisputeStatus(dispute.status),
        bank_reference=dispute.bank_reference,
        dispute_type=dispute.dispute_type,
        claimant={"name": dispute.bank_name, "code": dispute.bank_code},
        respondents=[
            {"kind": r.kind, "name": r.name, "id_number": r.id_number, "phone": r.phone, "address": r.address}
            for r in dispute.respondents
        ],
        claim={
            "principal": dispute.principal,
            "interest": dispute.interest,
            "penalty": dispute.penalty,
            "fees": dispute.fees,
            "total": dispute.total,
        },
        contract_number=dispute.contract_number,
        default_date=dispute.default_date,
        court_code=dispute.court_code,
        evidence=dispute.evidence,
        mediation_number=dispute.mediation_number,
        case_number=dispute.case_number,
        notice=notice,
        probable_duplicate_of=dispute.probable_duplicate_of,
        batch_id=dispute.batch_id,
        warnings=dispute.warnings,
        submitted_at=dispute.submitted_at,
        updated_at=dispute.updated_at,
    )


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
    outbox: OutboxDep,
    clock: ClockDep,
    principal: BankOperator,
) -> DisputeOut:
    outcome = await service.submit_dispute(session, outbox=outbox, now=clock.now(), principal=principal, item=body)
    if outcome.outcome == "rejected":
        raise Conflict(outcome.errors[0]["message"], errors=outcome.errors)
    if outcome.outcome == "existing":
        response.status_code = status.HTTP_200_OK
    assert outcome.dispute_id is not None
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=outcome.dispute_id)
    response.headers["Location"] = f"/disputes/{dispute.id}"
    return dispute_out(dispute)


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
    return DisputePage(items=[dispute_out(d) for d in items], next_cursor=next_cursor)


@router.get("/disputes/{dispute_id}", response_model=DisputeDetailOut, summary="A dispute with its full timeline")
async def get_dispute(dispute_id: str, session: SessionDep, principal: Reader) -> DisputeDetailOut:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id)
    timeline = [
        TimelineEntryOut(at=e.at, kind=e.kind, summary=e.summary, actor=e.actor, detail=e.detail)
        for e in await queries.timeline_of(session, dispute.id)
    ]
    return DisputeDetailOut(**dispute_out(dispute).model_dump(), timeline=timeline)


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
    await service.withdraw(
        session,
        outbox=outbox,
        now=clock.now(),
        dispute=dispute,
        actor=actor_of(principal, "bank_operator"),
        reason=body.reason,
        kind="withdrawn",
    )
    await session.commit()
    return dispute_out(dispute)


@router.post(
    "/disputes/{dispute_id}/duplicate-review",
    response_model=DisputeOut,
    summary="A clerk rejects a probable duplicate, or routes it after all",
)
async def review_duplicate(
    dispute_id: str, body: DuplicateReviewIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, principal: Clerk
) -> DisputeOut:
    dispute = await queries.get_dispute(session, principal=principal, dispute_id=dispute_id, for_update=True)
    actor = actor_of(principal, "intake_clerk")
    if body.decision == "reject":
        await service.withdraw(
            session, outbox=outbox, now=clock.now(), dispute=dispute, actor=actor, reason=body.reason, kind="rejected"
        )
    else:
        await service.route_reviewed(
            session, outbox=outbox, now=clock.now(), dispute=dispute, actor=actor, reason=body.reason
        )
    await session.commit()
    return dispute_out(dispute)


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


# --- batches ---------------------------------------------------------------------------------------------------

batch_router = APIRouter(tags=["batches"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def batch_out(batch: Batch) -> BatchOut:
    return BatchOut(
        id=batch.id,
        status=batch.status,
        source=batch.source,
        total_rows=batch.total_rows,
        processed_rows=batch.processed_rows,
        accepted=batch.accepted,
        existing=batch.existing,
        probable_duplicates=batch.probable_duplicates,
        rejected=batch.rejected,
        created_at=batch.created_at,
        completed_at=batch.completed_at,
        report_url=f"/batches/{batch.id}/report",
        report_csv_url=f"/batches/{batch.id}/report.csv",
    )


@batch_router.get(
    "/batches/template.csv",
    summary="The CSV template for batch uploads",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def batch_template(_: BankOperator) -> Response:
    return download(template_csv(), media_type="text/csv; charset=utf-8", filename="courtlink-batch-template.csv")


@batch_router.get(
    "/batches/template.xlsx",
    summary="The template as an Excel workbook with every column formatted as text (fill in, save as CSV UTF-8)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def batch_template_xlsx(_: BankOperator) -> Response:
    return download(template_xlsx(), media_type=XLSX, filename="courtlink-batch-template.xlsx")


@batch_router.post(
    "/batches",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchOut,
    summary='Submit a batch of up to 10,000 disputes as JSON ({"disputes": [...]}) or CSV (text/csv body)',
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": BatchIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def submit_batch(
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    runtime: RuntimeDep,
    principal: BankOperator,
) -> BatchOut:
    rows, source = await _batch_rows(request)
    batch = await store_batch(session, principal=principal, rows=rows, source=source, now=clock.now())
    runtime.worker(BatchProcessor).submit(batch.id)
    response.headers["Location"] = f"/batches/{batch.id}"
    return batch_out(batch)


async def _batch_rows(request: Request) -> tuple[list[dict[str, Any]], str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type in ("text/csv", "application/csv", "text/plain"):
        try:
            rows = parse_batch_csv(body)
        except CsvError as exc:
            raise UnprocessableInput(
                str(exc), errors=[field_problem("body", str(exc), "CSV 文件无法读取，请使用模板", code="csv")]
            ) from exc
        source = "csv"
    elif content_type == "application/json":
        try:
            rows = BatchIn.model_validate_json(body).disputes
        except ValidationError as exc:
            errors = [{**e, "field": f"body.{e['field']}"} for e in field_errors(exc.errors())]
            raise UnprocessableInput(f"{len(errors)} field(s) are invalid", errors=errors) from exc
        source = "json"
    else:
        raise UnprocessableInput(
            "send the batch as application/json or text/csv",
            errors=[
                field_problem("header.content-type", "unsupported content type", "不支持的内容类型", code="unsupported")
            ],
        )
    if not rows or len(rows) > BATCH_MAX_ROWS:
        raise UnprocessableInput(
            f"a batch holds 1 to {BATCH_MAX_ROWS:,} disputes",
            errors=[field_problem("body", f"{len(rows)} rows", f"每批 1 至 {BATCH_MAX_ROWS} 条", code="size")],
        )
    return rows, source


@batch_router.get("/batches/{batch_id}", response_model=BatchOut, summary="A batch's progress and counts")
async def get_batch(batch_id: str, session: SessionDep, principal: BankOperator) -> BatchOut:
    return batch_out(await queries.own_batch(session, principal=principal, batch_id=batch_id))


def _report_rows(rows: list[BatchRow]) -> list[BatchRowOut]:
    return [
        BatchRowOut(
            row_number=r.row_number,
            bank_reference=r.bank_reference,
            outcome=r.outcome,
            dispute_id=r.dispute_id,
            errors=r.errors,
        )
        for r in rows
    ]


@batch_router.get("/batches/{batch_id}/report", response_model=BatchReportOut, summary="Every row's outcome")
async def batch_report(batch_id: str, session: SessionDep, principal: BankOperator) -> BatchReportOut:
    batch = await queries.own_batch(session, principal=principal, batch_id=batch_id)
    return BatchReportOut(batch=batch_out(batch), rows=_report_rows(await queries.batch_rows(session, batch.id)))


@batch_router.get(
    "/batches/{batch_id}/report.csv",
    summary="Every row's outcome, as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def batch_report_csv(batch_id: str, session: SessionDep, principal: BankOperator) -> Response:
    batch = await queries.own_batch(session, principal=principal, batch_id=batch_id)
    rows = [r.model_dump() for r in _report_rows(await queries.batch_rows(session, batch.id))]
    return download(report_csv(rows), media_type="text/csv; charset=utf-8", filename=f"batch-{batch.id}-report.csv")
