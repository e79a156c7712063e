"""Judicial confirmation (司法确认) for the trial judge: the applications of the judge's court waiting to be accepted
or decided, by the nearest statutory deadline with overdue ones marked; the case as the parties signed its
agreement, where the judge accepts the application, confirms the agreement (finance-mediation gives the 民特 case
number) or dismisses the application with reasons; and the decisions taken, each with its result.

The time limits are the service's (CPL 2023 arts. 205–206): accept within 3 days of the application, decide within
15 days of acceptance (+10 with the president's approval). Everything goes through finance-mediation under the
judge's own token, which scopes the judge to the court's own cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from console.backend import ServiceProblem
from console.pages import blanks_named, found, part
from console.pages.cases import mediation_case
from console.web import User, console_of, render, requires

router = APIRouter()
SERVICE = "finance-mediation"
Judge = Annotated[User, Depends(requires("trial_judge"))]
QUEUE_LIMIT = 500  # the service's page bound; a court's open applications are far fewer

STAGES = {
    "awaiting_acceptance": "待受理",
    "awaiting_decision": "已受理，待裁定",
    "confirmed": "已裁定确认",
    "dismissed": "已裁定驳回",
}
# The two ways to decide, as the console's forms name them, and the service's decision for each.
DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
REASONS_LABELS = {"confirm": "裁定理由", "dismiss": "驳回理由"}


def stage_of(case: dict[str, Any]) -> str:
    """Where the application stands: waiting to be accepted, waiting for the decision, or its result."""
    confirmation = case["confirmation"]
    if confirmation.get("decision"):
        return str(confirmation["decision"])
    return "awaiting_decision" if confirmation.get("accepted_at") else "awaiting_acceptance"


def last_day(case: dict[str, Any]) -> str | None:
    """The Beijing day the current step must be done by (the service's `ends_on`): accepting, then deciding."""
    name = "confirmation_decide_by" if case["confirmation"].get("accepted_at") else "confirmation_accept_by"
    value = (case.get("ends_on") or {}).get(name)
    return str(value) if value else None


def is_overdue(case: dict[str, Any]) -> bool:
    confirmation = case["confirmation"]
    return bool(confirmation.get("decision_overdue") or confirmation.get("acceptance_overdue"))


def queue_rows(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The waiting applications with their stage and last day, the nearest last day first (then the earliest
    application), as a judge works through them."""
    rows = [{**c, "stage": stage_of(c), "last_day": last_day(c), "late": is_overdue(c)} for c in cases]
    return sorted(rows, key=lambda r: (r["last_day"] or "9999-12-31", r["confirmation"]["requested_at"] or ""))


def decision_body(form: FormData, decision: str) -> dict[str, Any]:
    """The service's DecisionIn from the confirm or dismiss form."""
    reasons = form.get("reasons")
    return {
        "decision": decision,
        "reasons": reasons.strip() if isinstance(reasons, str) else "",
        "president_extension": form.get("president_extension") == "yes",
    }


def decided_entry(case: dict[str, Any]) -> dict[str, Any]:
    """The decision as the case's log recorded it (reasons included), or an empty one."""
    for activity in reversed(case.get("activities") or []):
        if activity.get("kind") == "confirmation_decided":
            return dict(activity)
    return {}


def party_names(case: dict[str, Any]) -> dict[str, str]:
    """Each party's identifier (credit code or ID number) with its name, as the agreement was signed."""
    dispute = case.get("dispute") or {}
    names = {str(case["claimant_code"]): str((dispute.get("claimant") or {}).get("name") or "申请人")}
    for respondent in dispute.get("respondents") or []:
        names[str(respondent.get("id_number"))] = str(respondent.get("name") or "被申请人")
    return names


def flash_of(done: str, case: dict[str, Any]) -> str | None:
    """What the page says once a step is done; a decision says its result."""
    confirmation = case["confirmation"]
    if done == "acceptance":
        return "已受理司法确认申请，应自受理之日起 15 日内作出裁定。"
    if done == "confirm" and confirmation.get("decision") == "confirmed":
        return "已裁定确认。"
    if done == "dismiss" and confirmation.get("decision") == "dismissed":
        return "已裁定驳回。"
    return None


async def _cases(request: Request, user: User, state: str) -> list[dict[str, Any]]:
    response = await console_of(request).services.send(
        SERVICE, "GET", "/cases", user.token, params={"confirmation": state, "limit": QUEUE_LIMIT}
    )
    cases: list[dict[str, Any]] = response.json()
    return cases


@router.get("/confirmations")
async def queue(request: Request, user: Judge) -> Response:
    """The court's applications waiting for it, and the decisions taken (the latest first)."""
    waiting = await part(_cases(request, user, "waiting"))
    decided = await part(_cases(request, user, "decided"))
    if waiting.data is not None:
        waiting.data = queue_rows(waiting.data)
    context = {"title": "司法确认", "waiting": waiting, "decided": decided, "STAGES": STAGES}
    return render(request, "confirmation/queue.html", context)


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
    if not case["confirmation"].get("requested_at"):  # not an application for confirmation: not this page's
        raise HTTPException(status_code=404)
    context = {
        "title": f"司法确认 {case['mediation_number']}",
        "case": case,
        "stage": stage_of(case),
        "last_day": last_day(case),
        "late": is_overdue(case),
        "decided": decided_entry(case),
        "party_names": party_names(case),
        "flash": flash_of(request.query_params.get("done", ""), case),
        "errors": errors or {},
        "values": values or {},
        "STAGES": STAGES,
    }
    return render(request, "confirmation/detail.html", context, status=status)


@router.get("/confirmations/{case_id}")
async def detail(request: Request, case_id: str, user: Judge) -> Response:
    return await case_page(request, user, case_id)


async def send(request: Request, user: User, case_id: str, form_name: str, path: str, body: Any) -> Response:
    """One step to the service; its field errors come back beside that step's form."""
    form = await request.form()
    try:
        await console_of(request).services.send(SERVICE, "POST", f"/cases/{case_id}/{path}", user.token, json=body)
    except ServiceProblem as problem:
        if problem.status == 404:
            raise HTTPException(status_code=404) from problem
        errs = problem.field_messages() or {"": f"操作未完成：{problem.detail}"}
        if form_name in REASONS_LABELS:
            errs = blanks_named(errs, form, {"reasons": REASONS_LABELS[form_name]})
        values = {form_name: {k: v for k, v in form.multi_items() if k != "csrf_token"}}
        return await case_page(request, user, case_id, errors={form_name: errs}, values=values, status=422)
    return RedirectResponse(f"/confirmations/{case_id}?done={form_name}", status_code=303)


@router.post("/confirmations/{case_id}/acceptance")
async def accept(request: Request, case_id: str, user: Judge) -> Response:
    return await send(request, user, case_id, "acceptance", "confirmation/acceptance", None)


@router.post("/confirmations/{case_id}/{choice}")
async def decide(request: Request, case_id: str, choice: str, user: Judge) -> Response:
    """Confirm the agreement (the service numbers the 民特 case) or dismiss the application, with reasons."""
    if choice not in DECISIONS:
        raise HTTPException(status_code=404)
    form = await request.form()
    return await send(request, user, case_id, choice, "confirmation/decision", decision_body(form, DECISIONS[choice]))
