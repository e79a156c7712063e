"""Judicial advice (司法建议): the research office's editor (each problem beside its recommendation), the judicial
committee's review queue, the president's signing queue, delivery, the overdue list with escalation, evaluation and
archive, the 司法建议书 as the recipient receives it; and the inbox of the organisation it is addressed or copied
to (an agency, or a bank: both named by their credit code), signing for it and its written reply.

Everything goes through the judicial-advice service under the user's own token: the service scopes an agency or a
bank to the advice addressed or copied to it (another organisation's advice is its 404, and this console's 未找到)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.web.documents import download
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from console import formatting
from console.backend import ServiceProblem
from console.compare import compare
from console.pages import blanks_named, found, part, text
from console.web import User, console_of, render, requires, sandboxed_preview

router = APIRouter()
SERVICE = "judicial-advice"
COURT = ("advice_manager", "trial_judge", "judicial_committee", "president")
RECIPIENTS = ("agency_officer", "bank_operator")  # who signs for and answers advice for their organisation
Reader = Annotated[User, Depends(requires(*COURT, *RECIPIENTS))]
Drafter = Annotated[User, Depends(requires("advice_manager", "trial_judge"))]
Manager = Annotated[User, Depends(requires("advice_manager"))]
CourtStaff = Annotated[User, Depends(requires(*COURT))]
MIN_PAIRS = 2
MAX_PAIRS = 20  # the service's bound on problems and recommendations

ADVICE_STATUS = {
    "draft": "草稿",
    "submitted": "待审判委员会审议",
    "returned": "退回修改",
    "approved": "已审议通过，待院长签发",
    "issued": "已签发，待送达",
    "delivered": "已送达，待签收",
    "acknowledged": "已签收，待回复",
    "replied": "已书面回复",
    "evaluated": "已评估",
    "archived": "已归档",
}
ADOPTION = {"adopted": "采纳", "partly_adopted": "部分采纳", "not_adopted": "未采纳"}
EFFECTIVENESS = {"effective": "成效明显", "partly_effective": "部分见效", "ineffective": "未见成效"}
DELIVERY_METHODS = {"electronic": "电子送达", "in_person": "直接送达", "post": "邮寄送达"}
TIMELINE_KINDS = {
    "drafted": "起草",
    "revised": "修改（新版本）",
    "submitted": "提交审议",
    "returned": "审判委员会退回修改",
    "approved": "审判委员会审议通过",
    "issued": "院长签发",
    "delivered": "送达",
    "acknowledged": "被建议单位签收",
    "replied": "被建议单位书面回复",
    "evaluated": "评估与回访",
    "archived": "归档",
    "reminded": "催告回复",
    "escalated": "抄送上级主管部门",
}
# Which role may take each action, and what the page says once it is done.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submission": (("advice_manager", "trial_judge"), "已提交审判委员会审议。"),
    "return": (("judicial_committee",), "已退回起草部门修改。"),
    "approval": (("judicial_committee",), "已审议通过，待院长签发。"),
    "issue": (("president",), "已签发。"),
    "delivery": (("advice_manager",), "送达已记录，回复期限开始计算。"),
    "acknowledgement": (RECIPIENTS, "已签收。"),
    "replies": (RECIPIENTS, "书面回复已提交。"),
    "evaluation": (("advice_manager",), "评估与回访已记录。"),
    "archive": (("advice_manager",), "已归档。"),
    "escalation": (("advice_manager",), "已抄送上级主管部门。"),
}
EDITABLE = ("draft", "returned")
# The written fields of the steps' forms, for saying which one was left blank.
ACTION_LABELS = {
    "return": {"comments": "退回意见"},
    "escalation": {"comments": "抄送理由"},
    "delivery": {"proof": "送达凭证"},
    "replies": {"measures": "采取的措施"},
    "evaluation": {"return_visit": "回访情况"},
}
EDITOR_LABELS = {
    "title": "标题",
    "recipient_name": "被建议单位名称",
    "recipient_code": "统一社会信用代码",
    "superior_authority": "上级主管部门",
    "cc": "抄送单位",
    "related_cases": "涉及案件案号",
    "background": "基本情况",
    "reply_months": "回复期限",
    "extended_deadline_basis": "超过两个月的依据",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
}


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def pairs_of(form: FormData) -> list[tuple[str, str]]:
    """The problem–recommendation pairs as typed, in order (row i holds problems.i beside recommendations.i)."""
    raw = text(form, "pair_count")
    count = min(int(raw), MAX_PAIRS + 1) if raw.isdigit() else MIN_PAIRS
    return [(text(form, f"problems.{i}"), text(form, f"recommendations.{i}.text")) for i in range(count)]


def advice_body(form: FormData) -> dict[str, Any]:
    """The service's AdviceIn from the editor's form: a pair left wholly blank is dropped (problem and
    recommendation go together); a half-filled pair is sent so the service names the missing half."""
    pairs = [p for p in pairs_of(form) if p[0] or p[1]]
    months = text(form, "reply_months")
    return {
        "title": text(form, "title"),
        "recipient_name": text(form, "recipient_name"),
        "recipient_code": text(form, "recipient_code").upper(),
        "superior_authority": text(form, "superior_authority") or None,
        "cc": [{"name": n, "code": c} for n, c in (split_cc(line) for line in lines(text(form, "cc")))],
        "related_cases": lines(text(form, "related_cases")),
        "background": text(form, "background"),
        "problems": [p for p, _ in pairs],
        "recommendations": [{"problem": i, "text": r} for i, (_, r) in enumerate(pairs)],
        "reply_months": int(months) if months.isdigit() else months,
        "extended_deadline_basis": text(form, "extended_deadline_basis") or None,
        "contact_person": text(form, "contact_person"),
        "contact_phone": text(form, "contact_phone"),
    }


def split_cc(line: str) -> tuple[str, str]:
    """`名称 统一社会信用代码` (the code last, after a space or a comma)."""
    for sep in ("，", ",", " ", "\t"):
        if sep in line:
            name, _, code = line.rpartition(sep)
            return name.strip(), code.strip().upper()
    return line, ""


def form_values(advice: dict[str, Any]) -> dict[str, Any]:
    """The editor's fields filled from a saved advice (its current version)."""
    content = advice.get("content") or {}
    values: dict[str, Any] = {
        "title": advice["title"],
        "recipient_name": advice["recipient_name"],
        "recipient_code": advice["recipient_code"],
        "superior_authority": advice.get("superior_authority") or "",
        "cc": "\n".join(f"{c.get('name', '')} {c.get('code', '')}" for c in advice.get("cc") or []),
        "related_cases": "\n".join(content.get("related_cases") or []),
        "background": content.get("background", ""),
        "reply_months": str(advice.get("reply_months", 2)),
        "contact_person": content.get("contact_person", ""),
        "contact_phone": content.get("contact_phone", ""),
    }
    for i, (problem, recommendation) in enumerate(paired(content)):
        values[f"problems.{i}"] = problem
        values[f"recommendations.{i}.text"] = recommendation
    values["pair_count"] = max(len(content.get("problems") or []), MIN_PAIRS)
    return values


def paired(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Each problem with the recommendation that answers it."""
    by_problem = {int(r["problem"]): str(r["text"]) for r in content.get("recommendations") or []}
    return [(str(p), by_problem.get(i, "")) for i, p in enumerate(content.get("problems") or [])]


def editor_errors(problem: ServiceProblem) -> dict[str, str]:
    """The service's field errors by the editor's field names; errors of the whole draft go to the summary."""
    errors = problem.field_messages()
    named: dict[str, str] = {}
    for name, message in errors.items():
        if name == "contact_phone" and "pattern" in message:  # the service names its regular expression
            message = "格式不正确：应为 11 位手机号，或带区号的固定电话（如 0431-88886666）"
        if name in EDITOR_LABELS:
            message = f"{EDITOR_LABELS[name]}：{message}"
        if name.startswith("recommendations.") and name.count(".") == 1:
            name = f"{name}.text"
        if name in ("recommendations", "problems"):
            message = f"问题与建议：{message}"
            name = "problems.0"
        named[name] = f"{named[name]}；{message}" if name in named else message
    return named or {"": f"保存未成功：{problem.detail}"}


def days_left(advice: dict[str, Any], today: date) -> int | None:
    """Whole days until the reply deadline's last day (0: today is the last day; negative: overdue)."""
    last = (advice.get("ends_on") or {}).get("reply_deadline")
    if not last or advice.get("final_reply_at"):
        return None
    return (date.fromisoformat(str(last)) - today).days


def today_beijing() -> date:
    return datetime.now(SHANGHAI).date()


def labels() -> dict[str, Any]:
    return {
        "ADVICE_STATUS": ADVICE_STATUS,
        "ADOPTION": ADOPTION,
        "EFFECTIVENESS": EFFECTIVENESS,
        "DELIVERY_METHODS": DELIVERY_METHODS,
        "TIMELINE_KINDS": TIMELINE_KINDS,
    }


async def _advice(request: Request, user: User, advice_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send(SERVICE, "GET", f"/advices/{advice_id}", user.token)
    advice: dict[str, Any] = response.json()
    return advice


async def _list(request: Request, user: User, status: str | None = None) -> list[dict[str, Any]]:
    response = await console_of(request).services.send(
        SERVICE, "GET", "/advices", user.token, params={"status": status}
    )
    items: list[dict[str, Any]] = response.json()
    return items


@router.get("/advice")
async def index(request: Request, user: Reader) -> Response:
    """Each role's queue: the drafters' files, the committee's review queue, the president's signing queue, the
    inbox of an agency or a bank with the days left to reply."""
    today = today_beijing()
    if user.has(*RECIPIENTS) and not user.has(*COURT):
        inbox = await part(_list(request, user))
        for item in inbox.data or []:
            item["days_left"] = days_left(item, today)
        return render(request, "advice/inbox.html", {"title": "司法建议收件箱", "inbox": inbox, **labels()})
    context: dict[str, Any] = {"title": "司法建议", **labels()}
    if user.has("judicial_committee"):
        context["review"] = await part(_list(request, user, "submitted"))
    if user.has("president"):
        context["signing"] = await part(_list(request, user, "approved"))
    if user.has("advice_manager", "trial_judge"):
        files = await part(_list(request, user))
        for item in files.data or []:
            item["days_left"] = days_left(item, today)
        context["files"] = files
    return render(request, "advice/index.html", context)


def editor(
    request: Request,
    *,
    title: str,
    action: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    saved: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    count = int(values.get("pair_count") or MIN_PAIRS)
    context = {
        "title": title,
        "action": action,
        "values": values,
        "errors": errors or {},
        "pair_count": max(min(count, MAX_PAIRS), 1),
        "saved": saved,
        "saved_pairs": paired(saved.get("content") or {}) if saved else [],
        "returned": last_comments(saved) if saved else None,
        **labels(),
    }
    return render(request, "advice/editor.html", context, status=status)


def last_comments(advice: dict[str, Any]) -> str | None:
    """The judicial committee's comments when it last returned the advice."""
    for entry in reversed(advice.get("timeline") or []):
        if entry.get("kind") == "returned":
            return str((entry.get("detail") or {}).get("comments") or "")
    return None


def pair_change(form: FormData) -> dict[str, Any] | None:
    """The form's values with a pair added or removed (the 添加/删除 buttons), or None for a real save."""
    op = text(form, "pair")
    if not op:
        return None
    values: dict[str, Any] = {k: v for k, v in form.multi_items() if k != "csrf_token" and isinstance(v, str)}
    pairs = pairs_of(form)
    if op == "add" and len(pairs) < MAX_PAIRS:
        pairs.append(("", ""))
    elif op.startswith("remove.") and op[7:].isdigit() and len(pairs) > 1:
        pairs.pop(int(op[7:]))
    for key in [k for k in values if k.startswith(("problems.", "recommendations."))]:
        del values[key]
    for i, (problem, recommendation) in enumerate(pairs):
        values[f"problems.{i}"] = problem
        values[f"recommendations.{i}.text"] = recommendation
    values["pair_count"] = len(pairs)
    return values


@router.get("/advice/new")
async def new(request: Request, user: Drafter) -> Response:
    return editor(request, title="起草司法建议", action="/advice/new", values={"reply_months": "2"})


@router.post("/advice/new")
async def create(request: Request, user: Drafter) -> Response:
    form = await request.form()
    changed = pair_change(form)
    if changed is not None:
        return editor(request, title="起草司法建议", action="/advice/new", values=changed)
    try:
        response = await console_of(request).services.send(
            SERVICE, "POST", "/advices", user.token, json=advice_body(form)
        )
    except ServiceProblem as problem:
        values = {k: v for k, v in form.multi_items() if k != "csrf_token"}
        return editor(
            request,
            title="起草司法建议",
            action="/advice/new",
            values=values,
            errors=editor_errors(problem),
            status=422,
        )
    return RedirectResponse(f"/advice/{response.json()['id']}?done=saved", status_code=303)


@router.get("/advice/overdue")
async def overdue(request: Request, user: Manager) -> Response:
    """Advice past its reply deadline without a final reply (the service's statistics), with the reminders sent
    and escalation to the superior authority."""
    year = request.query_params.get("year", "")
    params = {"year": year} if year.isdigit() else None
    stats = await part(console_of(request).services.send(SERVICE, "GET", "/statistics", user.token, params=params))
    items = (stats.data.json() if stats.data is not None else {}).get("overdue", [])
    today = today_beijing()
    for item in items:
        item["days_left"] = days_left(item, today)
    return render(
        request, "advice/overdue.html", {"title": "逾期未回复", "items": items, "down": stats.down, **labels()}
    )


@router.get("/advice/{advice_id}")
async def detail(request: Request, advice_id: str, user: Reader) -> Response:
    return await advice_page(request, user, advice_id)


async def advice_page(
    request: Request,
    user: User,
    advice_id: str,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    advice = await found(_advice(request, user, advice_id))
    done = request.query_params.get("done", "")
    flash = "已保存。" if done == "saved" else ACTIONS.get(done, ((), None))[1]
    context = {
        "title": advice["title"],
        "advice": advice,
        "pairs": paired(advice.get("content") or {}),
        "days_left": days_left(advice, today_beijing()),
        "recipient": advice["recipient_code"] == user.organisation,
        "returned": last_comments(advice),
        "flash": flash,
        "errors": errors or {},
        "values": values or {},
        "editable": advice["status"] in EDITABLE,
        **labels(),
    }
    return render(request, "advice/detail.html", context, status=status)


@router.get("/advice/{advice_id}/edit")
async def edit(request: Request, advice_id: str, user: Drafter) -> Response:
    advice = await found(_advice(request, user, advice_id))
    if advice["status"] not in EDITABLE:
        return RedirectResponse(f"/advice/{advice_id}", status_code=303)
    title = f"修改司法建议（第 {advice['version']} 版）"
    return editor(request, title=title, action=f"/advice/{advice_id}/edit", values=form_values(advice), saved=advice)


@router.post("/advice/{advice_id}/edit")
async def revise(request: Request, advice_id: str, user: Drafter) -> Response:
    advice = await found(_advice(request, user, advice_id))
    form = await request.form()
    title = f"修改司法建议（第 {advice['version']} 版）"
    action = f"/advice/{advice_id}/edit"
    changed = pair_change(form)
    if changed is not None:
        return editor(request, title=title, action=action, values=changed, saved=advice)
    try:
        await console_of(request).services.send(
            SERVICE, "PUT", f"/advices/{advice_id}", user.token, json=advice_body(form)
        )
    except ServiceProblem as problem:
        values = {k: v for k, v in form.multi_items() if k != "csrf_token"}
        errors = editor_errors(problem)
        return editor(request, title=title, action=action, values=values, errors=errors, saved=advice, status=422)
    return RedirectResponse(f"/advice/{advice_id}?done=saved", status_code=303)


def chosen_versions(query: dict[str, str], numbers: list[int]) -> tuple[dict[str, str], dict[str, str]]:
    """The two versions picked (`a` on the left, `b` on the right; by default the one before the latest and the
    latest) and the errors by field: a number the advice does not have, or the same version twice."""
    values = {
        "a": query.get("a") or str(numbers[-2] if len(numbers) > 1 else numbers[0]),
        "b": query.get("b") or str(numbers[-1]),
    }
    known = {str(n) for n in numbers}
    errors = {name: "请选择本建议已保存的版本" for name, value in values.items() if value not in known}
    if not errors and values["a"] == values["b"]:
        errors["b"] = "请选择另一个版本（两侧不能是同一版本）"
    return values, errors


def version_label(version: dict[str, Any]) -> str:
    """`第 2 版（research-office，2026-03-02 10:00 保存）`: who saved it and when, to tell versions apart."""
    return f"第 {version['version']} 版（{version['saved_by']}，{formatting.beijing(version['saved_at'])} 保存）"


@router.get("/advice/{advice_id}/versions")
async def versions(request: Request, advice_id: str, user: CourtStaff) -> Response:
    """Two saved versions side by side, each problem beside its recommendation, what changed marked."""
    advice = await found(_advice(request, user, advice_id))
    response = await found(
        console_of(request).services.send(SERVICE, "GET", f"/advices/{advice_id}/versions", user.token)
    )
    saved: dict[int, dict[str, Any]] = {int(v["version"]): v for v in response.json()}
    numbers = sorted(saved)
    if not numbers:
        raise HTTPException(status_code=404)
    values, errors = chosen_versions(dict(request.query_params), numbers)
    context: dict[str, Any] = {
        "title": f"版本比较：{advice['title']}",
        "advice": advice,
        "options": [(str(n), version_label(saved[n])) for n in numbers],
        "values": values,
        "errors": errors,
        "left": saved.get(int(values["a"])) if not errors else None,
        "right": saved.get(int(values["b"])) if not errors else None,
    }
    if not errors:
        context["comparison"] = compare(context["left"]["content"], context["right"]["content"])
    return render(request, "advice/versions.html", context, status=422 if errors else 200)


def action_body(action: str, form: FormData) -> dict[str, Any] | None:
    """The service's request body of one action from its form (None: the action takes no body)."""
    if action in ("return", "escalation"):
        return {"comments": text(form, "comments")}
    if action == "delivery":
        return {"method": text(form, "method"), "proof": text(form, "proof")}
    if action == "replies":
        return {
            "adoption": text(form, "adoption"),
            "measures": text(form, "measures"),
            "reasons": text(form, "reasons") or None,
            "attachments": lines(text(form, "attachments")),
            "final": form.get("final") == "yes",
        }
    if action == "evaluation":
        return {"effectiveness": text(form, "effectiveness"), "return_visit": text(form, "return_visit")}
    return None


@router.post("/advice/{advice_id}/{action}")
async def act(request: Request, advice_id: str, action: str, user: Reader) -> Response:
    """One step of the advice's life; the service's field errors come back beside that step's form."""
    if action not in ACTIONS or not user.has(*ACTIONS[action][0]):
        raise HTTPException(status_code=404)
    form = await request.form()
    try:
        await console_of(request).services.send(
            SERVICE, "POST", f"/advices/{advice_id}/{action}", user.token, json=action_body(action, form)
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise HTTPException(status_code=404) from problem
        errs = problem.field_messages() or {"": f"操作未完成：{problem.detail}"}
        errs = blanks_named(errs, form, ACTION_LABELS.get(action, {}))
        values = {action: {k: v for k, v in form.multi_items() if k != "csrf_token"}}
        return await advice_page(request, user, advice_id, errors={action: errs}, values=values, status=422)
    return RedirectResponse(f"/advice/{advice_id}?done={action}", status_code=303)


@router.get("/advice/{advice_id}/document")
async def document(request: Request, advice_id: str, user: Reader) -> Response:
    """The 司法建议书 (HTML) for the preview frame: sandboxed, no script, no links out."""
    upstream = await found(
        console_of(request).services.send(SERVICE, "GET", f"/advices/{advice_id}/document", user.token)
    )
    return sandboxed_preview(upstream.content)


@router.get("/advice/{advice_id}/document.pdf")
async def document_pdf(request: Request, advice_id: str, user: Reader) -> Response:
    upstream = await found(
        console_of(request).services.send(SERVICE, "GET", f"/advices/{advice_id}/document.pdf", user.token)
    )
    return download(upstream.content, media_type="application/pdf", filename=f"advice-{advice_id}.pdf")
