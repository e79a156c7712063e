"""Intake's HTTP routes for batch uploads: parse the body (JSON or CSV), authorise, store the batch for the
background worker, read its progress and report; nothing else."""

from __future__ import annotations

from typing import Any

from courtlink_shared.errors import field_errors, field_problem
from courtlink_shared.web.dependencies import ClockDep, RuntimeDep, SessionDep
from courtlink_shared.web.documents import download
from courtlink_shared.web.problems import UnprocessableInput
from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from intake import queries
from intake.api import BankOperator
from intake.batches import BatchProcessor, store_batch
from intake.csv_io import CsvError, parse_batch_csv, report_csv, template_csv
from intake.models import BatchRow
from intake.rules import BATCH_MAX_ROWS
from intake.schemas import BatchIn, BatchOut, BatchReportOut, BatchRowOut
from intake.xlsx_template import template_xlsx

batch_router = APIRouter(tags=["batches"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    processor = runtime.worker(BatchProcessor)
    async with processor.uploads:  # a few uploads read at a time: ten banks at once must not hold ten batches
        rows, source = await _batch_rows(request)
        batch = await store_batch(session, principal=principal, rows=rows, source=source, now=clock.now())
    processor.submit(batch.id)
    response.headers["Location"] = f"/batches/{batch.id}"
    return BatchOut.from_row(batch)


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
    return BatchOut.from_row(await queries.own_batch(session, principal=principal, batch_id=batch_id))


def _report_rows(rows: list[BatchRow]) -> list[BatchRowOut]:
    return [BatchRowOut.from_row(row) for row in rows]


@batch_router.get("/batches/{batch_id}/report", response_model=BatchReportOut, summary="Every row's outcome")
async def batch_report(batch_id: str, session: SessionDep, principal: BankOperator) -> BatchReportOut:
    batch = await queries.own_batch(session, principal=principal, batch_id=batch_id)
    rows = _report_rows(await queries.batch_rows(session, batch.id))
    return BatchReportOut(batch=BatchOut.from_row(batch), rows=rows)


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
