"""Intake clerk: the probable-duplicate queue (reject or route), the court's roster of mediation organisations;
statistics for clerks and banks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from courtlink_shared.clock import SHANGHAI
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from console.backend import ServiceProblem
from console.pages import part
from console.pages.disputes import dispute_page
from console.web import User, console_of, render, requires

router = APIRouter()
Clerk = Annotated[User, Depends(requires("intake_clerk"))]
StatisticsReader = Annotated[User, Depends(requires("intake_clerk", "bank_operator"))]


@router.get("/review")
async def review_queue(request: Request, user: Clerk) -> Response:
    """Disputes waiting for a clerk because they look like one already submitted."""
    response = await console_of(request).services.send(
        "intake", "GET", "/disputes", user.token, params={"status": "pending_review", "limit": 200}
    )
    flash = "审查结论已记录。" if request.query_params.get("done") else None
    return render(
        request, "clerk/review.html", {"title": "疑似重复审查", "items": response.json()["items"], "flash": flash}
    )


@router.post("/disputes/{dispute_id}/review")
async def review(request: Request, dispute_id: str, user: Clerk) -> Response:
    form = await request.form()
    values = {"decision": str(form.get("decision", "")), "reason": str(form.get("reason", "")).strip()}
    try:
        await console_of(request).services.send(
            "intake", "POST", f"/disputes/{dispute_id}/duplicate-review", user.token, json=values
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise
        errs = problem.field_messages() or {"": problem.detail}
        return await dispute_page(request, user, dispute_id, errors={"review": errs}, values=values, status=422)
    return RedirectResponse("/review?done=1", status_code=303)


ROSTER_DONE = {"registered": "调解组织已列入本院名册。", "removed": "调解组织已移出本院名册。"}


async def organisations_page(
    request: Request,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The court's roster of specially invited mediation organisations (特邀调解组织名册): whose mediators are given
    the court's cases, and who see the ones still unassigned."""
    response = await console_of(request).services.send(
        "finance-mediation", "GET", "/courts/me/organisations", user.token
    )
    context = {
        "title": "特邀调解组织名册",
        "registrations": response.json(),
        "errors": errors or {},
        "values": values or {},
        "flash": ROSTER_DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "clerk/organisations.html", context, status=status)


@router.get("/organisations")
async def organisations(request: Request, user: Clerk) -> Response:
    return await organisations_page(request, user)


@router.post("/organisations")
async def register_organisation(request: Request, user: Clerk) -> Response:
    form = await request.form()
    values = {"organisation_code": str(form.get("organisation_code", "")).strip()}
    try:
        await console_of(request).services.send(
            "finance-mediation", "POST", "/courts/me/organisations", user.token, json=values
        )
    except ServiceProblem as problem:
        errs = problem.field_messages() or {"": problem.detail}
        return await organisations_page(request, user, errors=errs, values=values, status=422)
    return RedirectResponse("/organisations?done=registered", status_code=303)


@router.post("/organisations/{organisation_code}/removal")
async def remove_organisation(request: Request, organisation_code: str, user: Clerk) -> Response:
    await console_of(request).services.send(
        "finance-mediation", "DELETE", f"/courts/me/organisations/{quote(organisation_code, safe='')}", user.token
    )
    return RedirectResponse("/organisations?done=removed", status_code=303)


@router.get("/statistics")
async def statistics(request: Request, user: StatisticsReader) -> Response:
    """Intake's figures for the period (and mediation's, for a bank); the last 30 days by default."""
    today = datetime.now(SHANGHAI).date()
    period = {
        "from": request.query_params.get("from") or (today - timedelta(days=30)).isoformat(),
        "to": request.query_params.get("to") or today.isoformat(),
    }
    services = console_of(request).services

    async def figures(service: str) -> Any:
        return (await services.send(service, "GET", "/statistics", user.token, params=period)).json()

    try:
        intake = await part(figures("intake"))
        mediation = await part(figures("finance-mediation")) if user.has("bank_operator") else None
    except ServiceProblem as problem:
        errors = {k.removeprefix("query."): v for k, v in problem.field_messages().items()} or {"": problem.detail}
        return render(
            request, "clerk/statistics.html", {"title": "统计", "period": period, "errors": errors}, status=422
        )
    context = {"title": "统计", "period": period, "intake": intake, "mediation": mediation, "errors": {}}
    return render(request, "clerk/statistics.html", context)
