"""Disputes for bank operators (their bank's) and intake clerks (their court's): search, a dispute's page with its
timeline and notice, withdrawal, and the clerk's review of a probable duplicate."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from courtlink_shared.web.documents import download
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from console.backend import ServiceDown, ServiceProblem
from console.pages import found, part
from console.web import User, console_of, render, requires, sandboxed_preview

router = APIRouter()
Reader = Annotated[User, Depends(requires("bank_operator", "intake_clerk"))]
FILTERS = ("status", "dispute_type", "submitted_from", "submitted_to", "respondent", "bank_reference")
PAGE_SIZE = 20


@router.get("/disputes")
async def search(request: Request, user: Reader) -> Response:
    """The search form and one page of results (htmx swaps the results only)."""
    values = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    cursor = request.query_params.get("cursor") or None
    params: dict[str, Any] = {**values, "cursor": cursor, "limit": PAGE_SIZE}
    errors: dict[str, str] = {}
    results = None
    down = None
    try:
        response = await console_of(request).services.send("intake", "GET", "/disputes", user.token, params=params)
        results = response.json()
    except ServiceDown as exc:
        down = exc.message_zh
    except ServiceProblem as problem:
        errors = {k.removeprefix("query."): v for k, v in problem.field_messages().items()}
        errors = errors or {"": problem.detail}
    filters = {k: v for k, v in values.items() if v}
    next_url = (
        f"/disputes?{urlencode({**filters, 'cursor': results['next_cursor']})}"
        if results and results["next_cursor"]
        else None
    )
    first_url = f"/disputes?{urlencode(filters)}" if cursor else None
    context = {
        "title": "纠纷查询",
        "values": values,
        "errors": errors,
        "results": results,
        "down": down,
        "next_url": next_url,
        "first_url": first_url,
    }
    return render(request, "disputes/list.html", context, status=422 if errors else 200)


async def _dispute(request: Request, user: User, dispute_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send("intake", "GET", f"/disputes/{dispute_id}", user.token)
    dispute: dict[str, Any] = response.json()
    return dispute


async def _case_of(request: Request, user: User, dispute_id: str) -> dict[str, Any] | None:
    """The mediation case of a dispute as this user may see it (a bank sees its own disputes' cases)."""
    response = await console_of(request).services.send(
        "finance-mediation", "GET", "/cases", user.token, params={"limit": 500}
    )
    return next((c for c in response.json() if c["dispute_id"] == dispute_id), None)


async def dispute_page(
    request: Request,
    user: User,
    dispute_id: str,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    flash: str | None = None,
    status: int = 200,
) -> Response:
    dispute = await found(_dispute(request, user, dispute_id))
    case = await part(_case_of(request, user, dispute_id)) if user.has("bank_operator") else None
    context = {
        "title": f"纠纷 {dispute['bank_reference']}",
        "dispute": dispute,
        "case": case,
        "errors": errors or {},
        "values": values or {},
        "flash": flash,
    }
    return render(request, "disputes/detail.html", context, status=status)


@router.get("/disputes/{dispute_id}")
async def detail(request: Request, dispute_id: str, user: Reader) -> Response:
    flash = {"withdrawn": "纠纷已撤回。", "reviewed": "审查结果已记录。"}.get(request.query_params.get("done", ""))
    return await dispute_page(request, user, dispute_id, flash=flash)


@router.get("/disputes/{dispute_id}/notice")
async def notice(request: Request, dispute_id: str, user: Reader) -> Response:
    """Intake's notice (HTML) for the preview frame: sandboxed, no script, no links out."""
    upstream = await found(
        console_of(request).services.send("intake", "GET", f"/disputes/{dispute_id}/notice", user.token)
    )
    return sandboxed_preview(upstream.content)


@router.get("/disputes/{dispute_id}/notice.pdf")
async def notice_pdf(request: Request, dispute_id: str, user: Reader) -> Response:
    upstream = await found(
        console_of(request).services.send("intake", "GET", f"/disputes/{dispute_id}/notice.pdf", user.token)
    )
    return download(upstream.content, media_type="application/pdf", filename=f"notice-{dispute_id}.pdf")


@router.post("/disputes/{dispute_id}/withdraw")
async def withdraw(
    request: Request, dispute_id: str, user: Annotated[User, Depends(requires("bank_operator"))]
) -> Response:
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    if not reason:
        return await dispute_page(
            request, user, dispute_id, errors={"withdraw": {"reason": "请填写撤回理由"}}, status=422
        )
    try:
        await console_of(request).services.send(
            "intake", "POST", f"/disputes/{dispute_id}/withdraw", user.token, json={"reason": reason}
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise
        errs = problem.field_messages() or {"": problem.detail}
        return await dispute_page(
            request, user, dispute_id, errors={"withdraw": errs}, values={"reason": reason}, status=problem.status
        )
    return RedirectResponse(f"/disputes/{dispute_id}?done=withdrawn", status_code=303)
