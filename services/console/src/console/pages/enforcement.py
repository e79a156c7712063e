"""Enforcement inquiries: the trial judge's 执行咨询函 and the advice it brings back, the enforcement officer's queue,
bank queries and advice (执行建议), the letter and the advice as documents, and the bank's answer to an asset query.

Everything goes through enforcement-inquiry's API under the user's own token; the service decides and scopes."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from courtlink_shared.identifiers.case_number import parse_case_number
from courtlink_shared.identifiers.normalise import InvalidIdentifier
from courtlink_shared.web.documents import download
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from console.backend import ServiceDown, ServiceProblem
from console.pages import found, text
from console.web import User, console_of, render, requires, sandboxed_preview

router = APIRouter()
SERVICE = "enforcement-inquiry"
Judge = Annotated[User, Depends(requires("trial_judge"))]
Officer = Annotated[User, Depends(requires("enforcement_officer"))]
CourtReader = Annotated[User, Depends(requires("trial_judge", "enforcement_officer"))]
Bank = Annotated[User, Depends(requires("bank_operator"))]

RESPONDENT_ROWS = 3
MAX_RESPONDENTS = 20  # the service's bound on an inquiry's respondents
QUESTION_ROWS = 3
LEAD_ROWS = 3
BANK_ROWS = 2
ACCOUNT_ROWS = 3

INQUIRY_STATUS = {
    "submitted": "待执行局受理",
    "accepted": "已受理（查询中）",
    "advised": "已出具执行建议",
    "acknowledged": "审判法官已阅",
}
LINE_STATUS = {"waiting": "待汇总发送", "sent": "已发送，待银行答复", "answered": "已答复", "expired": "逾期未答复"}
QUERY_STATUS = {"open": "待答复", "answered": "已答复", "expired": "已逾期"}
CONCLUSIONS = {
    "enforceable": "可以执行",
    "enforceable_with_changes": "修改后可以执行",
    "enforcement_difficult": "执行困难",
    "recommend_preservation": "建议先行财产保全",
}
LEAD_KINDS = {
    "bank_account": "银行账户",
    "real_estate": "不动产",
    "vehicle": "车辆",
    "equity": "股权",
    "other": "其他",
}
ACCOUNT_TYPES = {"current": "活期", "time_deposit": "定期", "wealth_management": "理财", "other": "其他"}
PARTY_KINDS = {"person": "自然人", "company": "法人或其他组织"}
GUARANTOR_LIABILITY = {"none": "无担保", "joint_and_several": "连带责任保证", "supplementary": "一般保证"}
TIMELINE = {
    "submitted": "审判法官发出执行咨询函",
    "accepted": "执行局受理并指定承办人",
    "banks_asked": "向银行查询",
    "bank_answered": "银行答复",
    "bank_query_expired": "银行逾期未答复",
    "advised": "出具执行建议",
    "acknowledged": "审判法官已阅",
    "overdue": "超过服务时限",
}
LABELS = {
    "INQUIRY_STATUS": INQUIRY_STATUS,
    "LINE_STATUS": LINE_STATUS,
    "QUERY_STATUS": QUERY_STATUS,
    "CONCLUSIONS": CONCLUSIONS,
    "LEAD_KINDS": LEAD_KINDS,
    "ACCOUNT_TYPES": ACCOUNT_TYPES,
    "PARTY_KINDS": PARTY_KINDS,
    "GUARANTOR_LIABILITY": GUARANTOR_LIABILITY,
    "TIMELINE": TIMELINE,
}
DONE = {
    "sent": "执行咨询函已发送执行局。",
    "acceptance": "已受理并指定承办人；财产线索中的银行将收到汇总查询。",
    "asset-queries": "已追加查询银行，将在该行下一次汇总查询中发送。",
    "advice": "执行建议已出具，审判法官可以查阅。",
    "acknowledgement": "已确认阅读执行建议。",
}


def case_number_hint(value: str, court: str) -> tuple[bool, str]:
    """Whether the case number reads as one (and of the user's court), and the hint to show beside it. The service
    checks again when the letter is sent; this only spares the judge a round trip for a typo."""
    if not value.strip():
        return False, "请填写案号，如（2026）吉7101民初15号。"
    try:
        number = parse_case_number(value)
    except InvalidIdentifier:
        return False, "案号格式不正确，应如（2026）吉7101民初15号（年份、法院代码、类型代字、序号）。"
    if court and number.court_code != court:
        return False, f"案号 {number} 不是本院（{court}）的案号。"
    return True, f"案号格式正确：{number}。若该案由立案系统登记，当事人将自动带入。"


def respondent_rows(form: FormData) -> int:
    """How many respondent rows the form has: three, or as many as the filed case filled in."""
    raw = text(form, "respondent_rows")
    return min(max(int(raw), RESPONDENT_ROWS), MAX_RESPONDENTS) if raw.isdigit() else RESPONDENT_ROWS


def _party(form: FormData, prefix: str) -> dict[str, Any] | None:
    kind, name, id_number = (text(form, f"{prefix}.{f}") for f in ("kind", "name", "id_number"))
    if not (name or id_number):
        return None
    return {"kind": kind or "person", "name": name, "id_number": id_number}


def _bank(form: FormData, prefix: str) -> dict[str, Any] | None:
    code, name = text(form, f"{prefix}.code"), text(form, f"{prefix}.name")
    return {"code": code, "name": name} if code or name else None


def inquiry_body(form: FormData) -> dict[str, Any]:
    """The 执行咨询函 as the service takes it; blank rows are left out, so their indexes shift only when a middle
    row is blank (the field errors then name the row the service saw, which the form keeps in place)."""
    respondents = [p for i in range(respondent_rows(form)) if (p := _party(form, f"respondents.{i}"))]
    leads = []
    for i in range(LEAD_ROWS):
        description = text(form, f"property_leads.{i}.description")
        if not description:
            continue
        leads.append(
            {
                "kind": text(form, f"property_leads.{i}.kind") or "other",
                "description": description,
                "bank": _bank(form, f"property_leads.{i}.bank"),
            }
        )
    terms: dict[str, Any] = {
        "amount": text(form, "terms.amount") or None,
        "interest_formula": text(form, "terms.interest_formula") or None,
        "performance_deadline": text(form, "terms.performance_deadline") or None,
    }
    return {
        "case_number": text(form, "case_number"),
        "respondents": respondents,
        "terms": terms,
        "questions": [q for i in range(QUESTION_ROWS) if (q := text(form, f"questions.{i}"))],
        "property_leads": leads,
        "urgent": form.get("urgent") == "yes",
    }


def values_of(form: FormData) -> dict[str, Any]:
    return {k: v for k, v in form.multi_items() if k != "csrf_token"}


async def _inquiry(request: Request, user: User, inquiry_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send(SERVICE, "GET", f"/inquiries/{inquiry_id}", user.token)
    inquiry: dict[str, Any] = response.json()
    return inquiry


@router.get("/inquiries")
async def inquiries(request: Request, user: CourtReader) -> Response:
    """The judge's own letters, or the bureau's queue: nearest service-level deadline first (the service's order)."""
    judge = user.has("trial_judge") and not user.has("enforcement_officer")
    response = await console_of(request).services.send(
        SERVICE, "GET", "/inquiries", user.token, params={"limit": 500, "mine": "true" if judge else None}
    )
    items = response.json()
    open_items = [i for i in items if i["status"] in ("submitted", "accepted")]
    done = [i for i in items if i["status"] not in ("submitted", "accepted")]
    title = "我的执行咨询" if judge else "执行咨询待办"
    context = {"title": title, "open_items": open_items, "done": done, "judge": judge, **LABELS}
    return render(request, "enforcement/list.html", context)


def _form_context(errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    values = values or {"respondents.0.kind": "person"}
    return {
        "title": "发送执行咨询函",
        "errors": errors or {},
        "values": values,
        "respondent_rows": respondent_rows(FormData(values)),
        "question_rows": QUESTION_ROWS,
        "lead_rows": LEAD_ROWS,
        **LABELS,
    }


@router.get("/inquiries/new")
async def new_inquiry(request: Request, user: Judge) -> Response:
    return render(request, "enforcement/new.html", _form_context())


@router.get("/inquiries/case-number")
async def check_case_number(request: Request, user: Judge, case_number: str = "") -> Response:
    """The hint beside the case number, which htmx asks for while the judge types (with the respondent rows); when
    intake filed the case, its respondents replace the rows (an out-of-band swap). A number the bureau does not
    know leaves the rows as typed, unless they were filled in from another case: those are emptied."""
    ok, hint = case_number_hint(case_number, user.organisation)
    context: dict[str, Any] = {"ok": ok, "hint": hint, "respondents": None}
    if ok:
        number = str(parse_case_number(case_number))
        typed = FormData(list(request.query_params.multi_items()))
        filled_from = text(typed, "respondents_from")
        try:
            response = await console_of(request).services.send(
                SERVICE, "GET", f"/filed-cases/{quote(number, safe='')}", user.token
            )
        except ServiceDown:
            context["hint"] = f"案号格式正确：{number}。立案信息暂时无法查询，请填写被执行人。"
        except ServiceProblem as problem:
            if problem.status not in (404, 422):
                raise
            context["hint"] = f"案号格式正确：{number}。立案系统中没有本院该案的登记，请填写被执行人。"
            if filled_from:  # the rows came from another case: they are not this case's parties
                context["respondents"] = respondents_context({"respondents.0.kind": "person"})
        else:
            filed = response.json()
            context["filed"] = filed
            context["hint"] = (
                f"立案系统已登记本案（原告 {filed['claimant']['name']}），已带入 {len(filed['respondents'])} 名被告；"
                "可删去不需查询的被告，不能填写本案被告以外的人。"
            )
            context["respondents"] = respondents_context(filed_values(filed), filled_from=number)
    return render(request, "enforcement/_case_number.html", {**context, **LABELS})


def filed_values(filed: dict[str, Any]) -> dict[str, Any]:
    """The respondent rows of the letter filled with a filed case's respondents."""
    values: dict[str, Any] = {}
    for i, party in enumerate(filed["respondents"][:MAX_RESPONDENTS]):
        values |= {f"respondents.{i}.{k}": party[k] for k in ("kind", "name", "id_number")}
    values["respondent_rows"] = str(max(len(filed["respondents"]), RESPONDENT_ROWS))
    return values


def respondents_context(values: dict[str, Any], *, filled_from: str = "") -> dict[str, Any]:
    """What the respondents' fieldset needs to be drawn again (without errors: nothing was sent yet)."""
    return {
        "errors": {},
        "values": {**values, "respondents_from": filled_from},
        "respondent_rows": respondent_rows(FormData(values)),
        "oob": True,
    }


@router.post("/inquiries")
async def send_inquiry(request: Request, user: Judge) -> Response:
    """Send the letter; the service's field errors come back beside the fields, nothing is kept."""
    form = await request.form()
    try:
        response = await console_of(request).services.send(
            SERVICE, "POST", "/inquiries", user.token, json=inquiry_body(form)
        )
    except ServiceProblem as problem:
        errors = problem.field_messages() or {"": f"未能发送：{problem.detail}"}
        return render(request, "enforcement/new.html", _form_context(errors, values_of(form)), status=422)
    return RedirectResponse(f"/inquiries/{response.json()['id']}?done=sent", status_code=303)


async def inquiry_page(
    request: Request,
    user: User,
    inquiry_id: str,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    inquiry = await found(_inquiry(request, user, inquiry_id))
    lines = inquiry["lines"]
    context = {
        "title": f"执行咨询 {inquiry['case_number']}",
        "inquiry": inquiry,
        "pending_lines": [x for x in lines if x["status"] in ("waiting", "sent")],
        "answered_lines": [x for x in lines if x["status"] == "answered"],
        "errors": errors or {},
        "values": values or {},
        "flash": DONE.get(request.query_params.get("done", "")),
        "bank_rows": BANK_ROWS,
        "is_officer": user.has("enforcement_officer"),
        "is_judge": user.has("trial_judge"),
        **LABELS,
    }
    return render(request, "enforcement/detail.html", context, status=status)


@router.get("/inquiries/{inquiry_id}")
async def inquiry_detail(request: Request, inquiry_id: str, user: CourtReader) -> Response:
    return await inquiry_page(request, user, inquiry_id)


def lead_banks(inquiry: dict[str, Any]) -> list[dict[str, Any]]:
    """The banks of the judge's property leads, once each (what the service asks when no banks are given)."""
    banks: dict[str, dict[str, Any]] = {}
    for lead in inquiry.get("property_leads") or []:
        if lead.get("bank"):
            banks.setdefault(lead["bank"]["code"], {"code": lead["bank"]["code"], "name": lead["bank"]["name"]})
    return list(banks.values())


def action_body(action: str, form: FormData, inquiry: dict[str, Any]) -> dict[str, Any] | None:
    """The service's request body for one action of the inquiry page."""
    extra = [b for i in range(BANK_ROWS) if (b := _bank(form, f"banks.{i}"))]
    if action == "acceptance":
        banks = lead_banks(inquiry) + extra if extra else None
        return {"officer": text(form, "officer") or None, "banks": banks}
    if action == "asset-queries":
        chosen = [str(v) for v in form.getlist("respondents")]
        return {"banks": extra, "respondents": chosen or None}
    if action == "advice":
        changes = [line.strip() for line in text(form, "proposed_changes").splitlines() if line.strip()]
        return {"conclusion": text(form, "conclusion"), "proposed_changes": changes, "reasons": text(form, "reasons")}
    if action == "acknowledgement":
        return None
    raise HTTPException(status_code=404)


@router.post("/inquiries/{inquiry_id}/{action}")
async def inquiry_action(request: Request, inquiry_id: str, action: str, user: CourtReader) -> Response:
    """One step on the inquiry (the service says who may take it); field errors come back beside that form."""
    if action not in DONE or action == "sent":
        raise HTTPException(status_code=404)
    inquiry = await found(_inquiry(request, user, inquiry_id))
    form = await request.form()
    body = action_body(action, form, inquiry)
    try:
        await console_of(request).services.send(
            SERVICE, "POST", f"/inquiries/{inquiry_id}/{action}", user.token, json=body
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise HTTPException(status_code=404) from problem
        errs = problem.field_messages() or {"": f"操作未完成：{problem.detail}"}
        return await inquiry_page(
            request, user, inquiry_id, errors={action: errs}, values={action: values_of(form)}, status=422
        )
    return RedirectResponse(f"/inquiries/{inquiry_id}?done={action}", status_code=303)


@router.get("/inquiries/{inquiry_id}/documents/{kind}.pdf")
async def document_pdf(request: Request, inquiry_id: str, kind: str, user: CourtReader) -> Response:
    if kind not in ("letter", "advice"):
        raise HTTPException(status_code=404)
    upstream = await found(
        console_of(request).services.send(SERVICE, "GET", f"/inquiries/{inquiry_id}/{kind}.pdf", user.token)
    )
    return download(upstream.content, media_type="application/pdf", filename=f"inquiry-{inquiry_id}-{kind}.pdf")


@router.get("/inquiries/{inquiry_id}/documents/{kind}")
async def document_html(request: Request, inquiry_id: str, kind: str, user: CourtReader) -> Response:
    """The letter or the advice (HTML) for the preview frame: sandboxed, no script, no links out."""
    if kind not in ("letter", "advice"):
        raise HTTPException(status_code=404)
    upstream = await found(
        console_of(request).services.send(SERVICE, "GET", f"/inquiries/{inquiry_id}/{kind}.html", user.token)
    )
    return sandboxed_preview(upstream.content)


# --- the bank's side -------------------------------------------------------------------------------------------


@router.get("/asset-queries")
async def asset_queries(request: Request, user: Bank) -> Response:
    """The queries addressed to the user's bank: open ones to answer, and the answered or expired ones."""
    services = console_of(request).services
    open_q = (await services.send(SERVICE, "GET", "/asset-queries", user.token, params={"limit": 500})).json()
    answered = (
        await services.send(SERVICE, "GET", "/asset-queries", user.token, params={"status": "answered", "limit": 100})
    ).json()
    context = {"title": "财产查询", "open_queries": open_q, "answered": answered, **LABELS}
    return render(request, "enforcement/bank_list.html", context)


def answer_body(form: FormData, query: dict[str, Any]) -> dict[str, Any]:
    """One answer line per respondent; blank account rows are left out (no row at all: no account found)."""
    lines = []
    for i, subject in enumerate(query["subjects"]):
        accounts = []
        for j in range(ACCOUNT_ROWS):
            prefix = f"lines.{i}.accounts.{j}"
            number, balance = text(form, f"{prefix}.account_number"), text(form, f"{prefix}.balance")
            if not (number or balance):
                continue
            authority, frozen = text(form, f"{prefix}.freezes.0.authority"), text(form, f"{prefix}.freezes.0.amount")
            freezes = [{"authority": authority, "amount": frozen or None}] if authority or frozen else []
            accounts.append(
                {
                    "account_number": "".join(number.split()),
                    "account_type": text(form, f"{prefix}.account_type") or "current",
                    "balance": balance or None,
                    "freezes": freezes,
                }
            )
        lines.append(
            {"line_id": subject["line_id"], "id_number": text(form, f"lines.{i}.id_number"), "accounts": accounts}
        )
    return {"lines": lines}


def mask(number: str) -> str:
    """An account number as the service keeps it: only the first four and last four digits."""
    digits = "".join(number.split())
    return f"{digits[:4]}{'*' * max(len(digits) - 8, 4)}{digits[-4:]}"


async def _asset_query(request: Request, user: User, query_id: str) -> dict[str, Any]:
    response = await console_of(request).services.send(SERVICE, "GET", f"/asset-queries/{query_id}", user.token)
    query: dict[str, Any] = response.json()
    return query


@router.get("/asset-queries/{query_id}")
async def asset_query(request: Request, query_id: str, user: Bank) -> Response:
    query = await found(_asset_query(request, user, query_id))
    context = {"title": "答复财产查询", "query": query, "errors": {}, "values": {}, "account_rows": ACCOUNT_ROWS}
    return render(request, "enforcement/answer.html", {**context, **LABELS})


@router.post("/asset-queries/{query_id}/answer")
async def answer(request: Request, query_id: str, user: Bank) -> Response:
    """Send the whole answer; on success the answer is shown back with the account numbers masked, as kept."""
    query = await found(_asset_query(request, user, query_id))
    form = await request.form()
    body = answer_body(form, query)
    try:
        response = await console_of(request).services.send(
            SERVICE, "POST", f"/asset-queries/{query_id}/answer", user.token, json=body
        )
    except ServiceProblem as problem:
        if problem.status == 404:
            raise HTTPException(status_code=404) from problem
        errors = problem.field_messages() or {"": f"未能提交：{problem.detail}"}
        context = {"title": "答复财产查询", "query": query, "errors": errors, "values": values_of(form)}
        return render(
            request, "enforcement/answer.html", {**context, "account_rows": ACCOUNT_ROWS, **LABELS}, status=422
        )
    for line in body["lines"]:
        for account in line["accounts"]:
            account["account_masked"] = mask(account.pop("account_number"))
    context = {
        "title": "财产查询已答复",
        "query": response.json(),
        "answered_lines": body["lines"],
        "flash": "答复已提交，法院将据此估算可执行财产。",
        **LABELS,
    }
    return render(request, "enforcement/answered.html", context)
