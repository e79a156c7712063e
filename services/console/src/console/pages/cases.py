"""Mediation cases: the mediator's work queue and case page with every action the service offers, and the same
case as the claimant bank sees it (agreement, signatures, applying for judicial confirmation)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from console.backend import ServiceProblem
from console.pages import found, text
from console.web import User, console_of, render, requires

router = APIRouter()
MediatorUser = Annotated[User, Depends(requires("mediator"))]
BankUser = Annotated[User, Depends(requires("bank_operator"))]
INSTALMENT_ROWS = 6
DONE = {
    "accept": "已接受调解，30 日调解期限开始计算。",
    "decline": "已拒绝，案件将改派其他调解员。",
    "contacts": "联系记录已保存。",
    "sessions": "调解记录已保存。",
    "extensions": "调解期限已延长。",
    "suspension": "调解期限已中止计算。",
    "resumption": "调解期限已恢复计算。",
    "agreement": "调解协议已记录，等待各方签署。",
    "signatures": "签署已记录；各方均签署后协议生效。",
    "failure": "调解已终结（调解不成）。",
    "confirmation": "司法确认申请已提交。",
}


def beijing_moment(value: str) -> str | None:
    """A `datetime-local` value (Beijing wall time, as users enter it) as an ISO moment with its offset."""
    value = value.strip()
    if not value:
        return None
    return f"{value}:00+08:00" if len(value) == 16 else f"{value}+08:00"


def body_of(action: str, form: FormData, parties: list[str]) -> dict[str, Any] | None:
    """The service's request body built from the action's form (None: the action takes no body)."""
    if action in ("accept", "resumption"):
        return None
    if action in ("decline", "suspension"):
        return {"reason": text(form, "reason")}
    if action == "contacts":
        return {
            "at": beijing_moment(text(form, "at")),
            "channel": text(form, "channel"),
            "party": text(form, "party"),
            "result": text(form, "result"),
            "note": text(form, "note") or None,
        }
    if action == "sessions":
        return {
            "started_at": beijing_moment(text(form, "started_at")),
            "channel": text(form, "channel"),
            "minutes": text(form, "minutes"),
            "summary": text(form, "summary"),
        }
    if action == "extensions":
        consents = [
            {"party": party, "consented_at": beijing_moment(text(form, f"consented_at.{i}"))}
            for i, party in enumerate(parties)
            if form.get(f"consent.{i}")
        ]
        return {"days": text(form, "days"), "consents": consents}
    if action == "agreement":
        rows = [
            (text(form, f"instalments.{i}.due_date"), text(form, f"instalments.{i}.amount"))
            for i in range(INSTALMENT_ROWS)
        ]
        instalments = [{"due_date": d or None, "amount": a or None} for d, a in rows if d or a]
        return {"settled_amount": text(form, "settled_amount"), "instalments": instalments}
    if action == "signatures":
        return {"party": text(form, "party")}
    if action == "failure":
        return {
            "ground": text(form, "ground"),
            "reason": text(form, "reason"),
            "claimant_maintains_claim": form.get("claimant_maintains_claim") == "yes",
        }
    if action == "confirmation":
        return {"applicants": [str(v) for v in form.getlist("applicants")]}
    raise HTTPException(status_code=404)


def party_names(case: dict[str, Any]) -> dict[str, str]:
    """Each party (credit code or ID number, as the service names them) with its name, for labels."""
    dispute = case.get("dispute") or {}
    names = {case["claimant_code"]: str((dispute.get("claimant") or {}).get("name") or "申请人")}
    for respondent in dispute.get("respondents") or []:
        names[str(respondent.get("id_number"))] = str(respondent.get("name") or "被申请人")
    return names


async def mediation_case(request: Request, user: User, case_id: str) -> dict[str, Any]:
    """A mediation case as finance-mediation shows it to the user (404 and the like raised as ServiceProblem)."""
    response = await console_of(request).services.send("finance-mediation", "GET", f"/cases/{case_id}", user.token)
    case: dict[str, Any] = response.json()
    return case


async def case_page(
    request: Request,
    user: User,
    case_id: str,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    case = await found(mediation_case(request, user, case_id))
    flash = DONE.get(request.query_params.get("done", ""))
    context = {
        "party_names": party_names(case),
        "title": f"调解案件 {case['mediation_number']}",
        "case": case,
        "errors": errors or {},
        "values": values or {},
        "flash": flash,
        "instalment_rows": INSTALMENT_ROWS,
        "base": "/cases" if user.has("mediator") and request.url.path.startswith("/cases") else "/mediation",
    }
    return render(request, "cases/detail.html", context, status=status)


async def act(request: Request, user: User, case_id: str, action: str, base: str) -> Response:
    """Send one action to the service; its field errors come back beside the fields of that action's form."""
    if action not in DONE:
        raise HTTPException(status_code=404)
    case = await found(mediation_case(request, user, case_id))
    form = await request.form()
    body = body_of(action, form, case["parties"])
    try:
        await console_of(request).services.send(
            "finance-mediation", "POST", f"/cases/{case_id}/{action}", user.token, json=body
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise HTTPException(status_code=404) from problem
        errs = problem.field_messages() or {"": f"操作未完成：{problem.detail}"}
        values = {action: {k: v for k, v in form.multi_items() if k != "csrf_token"}}
        return await case_page(request, user, case_id, errors={action: errs}, values=values, status=422)
    return RedirectResponse(f"{base}/{case_id}?done={action}", status_code=303)


@router.get("/cases")
async def queue(request: Request, user: MediatorUser) -> Response:
    """The mediator's cases, the nearest deadline first (the service's order), overdue ones marked."""
    response = await console_of(request).services.send(
        "finance-mediation", "GET", "/cases", user.token, params={"limit": 500}
    )
    cases = response.json()
    open_cases = [c for c in cases if c["status"] not in ("settled", "failed", "withdrawn")]
    closed = [c for c in cases if c["status"] in ("settled", "failed", "withdrawn")]
    return render(request, "cases/queue.html", {"title": "我的调解案件", "open_cases": open_cases, "closed": closed})


@router.get("/cases/{case_id}")
async def mediator_case(request: Request, case_id: str, user: MediatorUser) -> Response:
    return await case_page(request, user, case_id)


@router.post("/cases/{case_id}/{action}")
async def mediator_action(request: Request, case_id: str, action: str, user: MediatorUser) -> Response:
    return await act(request, user, case_id, action, "/cases")


@router.get("/mediation")
async def bank_cases(request: Request, user: BankUser) -> Response:
    response = await console_of(request).services.send(
        "finance-mediation", "GET", "/cases", user.token, params={"limit": 500}
    )
    return render(request, "cases/bank_list.html", {"title": "调解案件", "cases": response.json()})


@router.get("/mediation/{case_id}")
async def bank_case(request: Request, case_id: str, user: BankUser) -> Response:
    return await case_page(request, user, case_id)


@router.post("/mediation/{case_id}/confirmation")
async def bank_confirmation(request: Request, case_id: str, user: BankUser) -> Response:
    return await act(request, user, case_id, "confirmation", "/mediation")
