"""Mediation organisation admin: the roster (add, edit, availability), the overview, the unassigned pool and
manual assignment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from console.backend import ServiceProblem
from console.pages import part
from console.web import User, console_of, render, requires

router = APIRouter()
Admin = Annotated[User, Depends(requires("mediation_org_admin"))]
DONE = {
    "added": "调解员已加入名册。",
    "changed": "名册已更新。",
    "assigned": "案件已分配。",
    "registered": "调解组织信息已保存。",
}


async def _get(request: Request, user: User, path: str) -> Any:
    return (await console_of(request).services.send("finance-mediation", "GET", path, user.token)).json()


def _lines(value: str) -> list[str]:
    """Several values typed one per line or separated by commas (either kind)."""
    return [v.strip() for v in value.replace("，", ",").replace("\n", ",").split(",") if v.strip()]


async def roster_page(
    request: Request,
    user: User,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    mediators = await _get(request, user, "/mediators")
    context = {
        "title": "调解员名册",
        "mediators": mediators,
        "errors": errors or {},
        "values": values or {},
        "flash": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "admin/roster.html", context, status=status)


@router.get("/roster")
async def roster(request: Request, user: Admin) -> Response:
    return await roster_page(request, user)


@router.post("/roster")
async def add_mediator(request: Request, user: Admin) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    values["specialties"] = [str(v) for v in form.getlist("specialties")]
    body = {
        "id": values.get("id", "").strip(),
        "name": values.get("name", "").strip(),
        "specialties": [str(v) for v in form.getlist("specialties")],
        "capacity": values.get("capacity", "").strip(),
        "affiliations": _lines(values.get("affiliations", "")),
        "available": values.get("available") == "yes",
    }
    try:
        await console_of(request).services.send("finance-mediation", "POST", "/mediators", user.token, json=body)
    except ServiceProblem as problem:
        errs = problem.field_messages() or {"": problem.detail}
        return await roster_page(request, user, errors={"add": errs}, values={"add": values}, status=422)
    return RedirectResponse("/roster?done=added", status_code=303)


@router.post("/roster/{mediator_id}")
async def change_mediator(request: Request, mediator_id: str, user: Admin) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    body: dict[str, Any] = {"available": values.get("available") == "yes"}
    if values.get("capacity", "").strip():
        body["capacity"] = values["capacity"].strip()
    if form.getlist("specialties"):
        body["specialties"] = [str(v) for v in form.getlist("specialties")]
    try:
        await console_of(request).services.send(
            "finance-mediation", "PATCH", f"/mediators/{mediator_id}", user.token, json=body
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise
        errs = problem.field_messages() or {"": problem.detail}
        return await roster_page(request, user, errors={mediator_id: errs}, values={mediator_id: values}, status=422)
    return RedirectResponse("/roster?done=changed", status_code=303)


@router.post("/organisation")
async def register_organisation(request: Request, user: Admin) -> Response:
    form = await request.form()
    body = {"name": str(form.get("name", "")).strip(), "kind": str(form.get("kind", "other"))}
    try:
        await console_of(request).services.send("finance-mediation", "PUT", "/organisations/me", user.token, json=body)
    except ServiceProblem as problem:
        errs = problem.field_messages() or {"": problem.detail}
        return await roster_page(
            request, user, errors={"organisation": errs}, values={"organisation": body}, status=422
        )
    return RedirectResponse("/roster?done=registered", status_code=303)


@router.get("/overview")
async def overview(request: Request, user: Admin) -> Response:
    """Load per mediator and the overdue cases."""
    data = await _get(request, user, "/overview")
    return render(request, "admin/overview.html", {"title": "工作概况", "overview": data})


async def pool_page(
    request: Request, user: User, *, errors: dict[str, dict[str, str]] | None = None, status: int = 200
) -> Response:
    cases = await _get(request, user, "/cases?status=opened&limit=500")
    mediators = await part(_get(request, user, "/mediators"))
    context = {
        "title": "待分配案件",
        "cases": [c for c in cases if not c["mediator_id"]],
        "mediators": mediators,
        "errors": errors or {},
        "flash": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "admin/pool.html", context, status=status)


@router.get("/pool")
async def pool(request: Request, user: Admin) -> Response:
    """Cases no eligible mediator could take automatically: the admin assigns them by hand."""
    return await pool_page(request, user)


@router.post("/pool/{case_id}")
async def assign(request: Request, case_id: str, user: Admin) -> Response:
    form = await request.form()
    body = {"mediator_id": str(form.get("mediator_id", ""))}
    try:
        await console_of(request).services.send(
            "finance-mediation", "POST", f"/cases/{case_id}/assignment", user.token, json=body
        )
    except ServiceProblem as problem:
        if problem.status == 404 and not problem.field_messages():
            raise
        errs = problem.field_messages() or {"": f"无法分配：{problem.detail}"}
        return await pool_page(request, user, errors={case_id: errs}, status=422)
    return RedirectResponse("/pool?done=assigned", status_code=303)
