"""Bank operator: batch upload with live progress, the per-row report and its CSV."""

from __future__ import annotations

from typing import Annotated, Any

from courtlink_shared.web.documents import download
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from console.backend import ServiceProblem
from console.pages import found
from console.web import User, console_of, render, requires

router = APIRouter()
Bank = Annotated[User, Depends(requires("bank_operator"))]
MAX_UPLOAD = 20 * 1024 * 1024


def content_type_of(filename: str, data: bytes) -> str | None:
    """The batch's media type from the file's name, or from its first character when the name says nothing."""
    name = filename.lower()
    if name.endswith(".csv"):
        return "text/csv"
    if name.endswith(".json"):
        return "application/json"
    start = data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
    return "application/json" if start in (b"{", b"[") else None


@router.get("/batches/new")
async def upload_form(request: Request, user: Bank) -> Response:
    return render(request, "bank/upload.html", {"title": "批量报送纠纷"})


@router.get("/batches/template.csv")
async def template_csv(request: Request, user: Bank) -> Response:
    """Intake's CSV template, passed through."""
    upstream = await console_of(request).services.send("intake", "GET", "/batches/template.csv", user.token)
    return download(upstream.content, media_type="text/csv; charset=utf-8", filename="courtlink-batch-template.csv")


@router.post("/batches")
async def upload(request: Request, user: Bank) -> Response:
    """Send the chosen file to intake as it is (CSV or JSON); intake answers at once and works in the background."""
    form = await request.form()
    file = form.get("file")
    errors: dict[str, str] = {}
    data = b""
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = "请选择要上传的 CSV 或 JSON 文件"
    else:
        data = await file.read(MAX_UPLOAD + 1)
        if not data:
            errors["file"] = "所选文件是空的"
        elif len(data) > MAX_UPLOAD:
            errors["file"] = "文件超过 20 MB，请拆分为多个批次"
    content_type = content_type_of(file.filename or "", data) if isinstance(file, UploadFile) else None
    if not errors and content_type is None:
        errors["file"] = "只能上传 .csv 或 .json 文件"
    if errors:
        return render(request, "bank/upload.html", {"title": "批量报送纠纷", "errors": errors}, status=422)
    try:
        response = await console_of(request).services.send(
            "intake", "POST", "/batches", user.token, content=data, content_type=content_type
        )
    except ServiceProblem as problem:
        messages = problem.field_messages()
        errors = {"file": "；".join(messages.values()) or problem.detail}
        return render(request, "bank/upload.html", {"title": "批量报送纠纷", "errors": errors}, status=422)
    return RedirectResponse(f"/batches/{response.json()['id']}", status_code=303)


async def _batch(request: Request, user: User, batch_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send("intake", "GET", f"/batches/{batch_id}", user.token)
    batch: dict[str, Any] = response.json()
    return batch


@router.get("/batches/{batch_id}")
async def batch_page(request: Request, batch_id: str, user: Bank) -> Response:
    batch = await found(_batch(request, user, batch_id))
    report = await _report(request, user, batch_id) if batch["status"] == "completed" else None
    return render(request, "bank/batch.html", {"title": "批次处理进度", "batch": batch, "report": report})


@router.get("/batches/{batch_id}/progress")
async def batch_progress(request: Request, batch_id: str, user: Bank) -> Response:
    """The progress fragment htmx polls; once complete it brings the report with it and stops polling."""
    batch = await found(_batch(request, user, batch_id))
    report = await _report(request, user, batch_id) if batch["status"] == "completed" else None
    return render(request, "bank/progress.html", {"batch": batch, "report": report})


@router.get("/batches/{batch_id}/report.csv")
async def report_csv(request: Request, batch_id: str, user: Bank) -> Response:
    """Intake's CSV report, passed through under the user's own token."""
    upstream = await console_of(request).services.send("intake", "GET", f"/batches/{batch_id}/report.csv", user.token)
    return download(upstream.content, media_type="text/csv; charset=utf-8", filename=f"batch-{batch_id}-report.csv")


async def _report(request: Request, user: User, batch_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send("intake", "GET", f"/batches/{batch_id}/report", user.token)
    report: dict[str, Any] = response.json()
    report["problem_rows"] = [r for r in report["rows"] if r["outcome"] != "accepted"]
    return report
