"""The start page: each role goes to its first piece of work."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from console.web import CurrentUser, render

router = APIRouter()

START = (
    ("mediator", "/cases"),
    ("mediation_org_admin", "/roster"),
    ("intake_clerk", "/review"),
    ("bank_operator", "/disputes"),
    ("trial_judge", "/inquiries"),
    ("enforcement_officer", "/inquiries"),
    ("advice_manager", "/advice"),
    ("judicial_committee", "/advice"),
    ("president", "/advice"),
    ("agency_officer", "/advice"),
    ("analyst", "/dashboard"),
)


@router.get("/")
async def home(request: Request, user: CurrentUser) -> Response:
    for role, path in START:
        if user.has(role):
            return RedirectResponse(path, status_code=303)
    return render(
        request, "error.html", {"title": "暂无可用功能", "message": "您的账号没有本平台的业务角色，请联系管理员。"}
    )
