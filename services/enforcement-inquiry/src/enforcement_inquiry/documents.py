"""The 执行咨询函 (the judge's letter) and the 执行建议 (the bureau's answer) as court documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on
from courtlink_shared.documents import CourtDocument

from enforcement_inquiry.models import Inquiry, QueryLine
from enforcement_inquiry.rules import LineStatus

CONCLUSION_ZH = {
    "enforceable": "可按现有内容执行",
    "enforceable_with_changes": "建议修改相关条款后可执行",
    "enforcement_difficult": "执行存在较大困难",
    "recommend_preservation": "建议及时采取财产保全措施",
}
LIABILITY_ZH = {"none": "无担保责任", "joint_and_several": "连带保证责任", "supplementary": "一般保证（补充）责任"}


def _day(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def _frozen(account: dict[str, Any]) -> Decimal:
    return sum((Decimal(f["amount"]) for f in account["freezes"]), Decimal("0.00"))


def _respondents(inquiry: Inquiry) -> str:
    return "、".join(f"{p['name']}（{p['id_number']}）" for p in inquiry.respondents)


def letter_document(inquiry: Inquiry, *, court_name: str) -> CourtDocument:
    """The judge's letter: the case, the respondents, the terms in question, the questions, the property leads."""
    terms = inquiry.terms
    paragraphs = [
        "本院执行局：",
        f"本院审理的{inquiry.case_number}案件，拟作出裁判或确认调解协议。为确保裁判内容具有可执行性，特就下列事项征询意见。",
        f"被执行人：{_respondents(inquiry)}。",
        f"给付金额：人民币{terms['amount']}元。",
    ]
    if terms.get("instalments"):
        plan = "；".join(f"{i['due_date']}前支付{i['amount']}元" for i in terms["instalments"])
        paragraphs.append(f"分期履行：{plan}。")
    guarantors = "、".join(g["name"] for g in terms.get("guarantors", []))
    paragraphs.append(f"担保责任：{LIABILITY_ZH.get(terms.get('guarantor_liability', 'none'), '')}{guarantors}。")
    if terms.get("interest_formula"):
        paragraphs.append(f"利息计算方式：{terms['interest_formula']}。")
    if terms.get("performance_deadline"):
        paragraphs.append(f"履行期限：{terms['performance_deadline']}。")
    paragraphs.append("征询事项：")
    paragraphs += [f"{n}. {q}" for n, q in enumerate(inquiry.questions, start=1)]
    if inquiry.property_leads:
        paragraphs.append("财产线索：")
        paragraphs += [
            f"{n}. {lead['description']}" + (f"（{lead['bank']['name']}）" if lead.get("bank") else "")
            for n, lead in enumerate(inquiry.property_leads, start=1)
        ]
    last = ends_on(inquiry.due_at)  # the period's last day (it ends at 24:00 of that day)
    due = f"请于{last.year}年{last.month}月{last.day}日前回复" + ("（加急）" if inquiry.urgent else "") + "。"
    paragraphs.append(due)
    return CourtDocument(
        "执行咨询函", inquiry.case_number, paragraphs, [court_name, inquiry.judge, _day(inquiry.submitted_at)]
    )


def advice_document(inquiry: Inquiry, lines: Sequence[QueryLine], *, court_name: str) -> CourtDocument:
    """The bureau's advice: the conclusion, what the banks reported, the recoverable estimate, the changes."""
    advice = inquiry.advice or {}
    paragraphs = [
        "审判庭：",
        f"关于{inquiry.case_number}案件的执行咨询，经审查并向相关银行查询被执行人账户，现提出如下执行建议。",
        f"结论：{CONCLUSION_ZH.get(str(advice.get('conclusion')), '')}。",
    ]
    for line in lines:
        if line.status == LineStatus.EXPIRED:
            paragraphs.append(f"{line.bank_name}：{line.party['name']}的账户查询未在期限内答复。")
        elif line.status == LineStatus.ANSWERED:
            accounts = line.accounts or []
            found = (
                "；".join(
                    f"账户{a['account_masked']}余额{a['balance']}元"
                    + (f"，已冻结{_frozen(a)}元" if a.get("freezes") else "")
                    for a in accounts
                )
                or "未查询到账户"
            )
            paragraphs.append(f"{line.bank_name}：{line.party['name']}，{found}。")
    paragraphs.append(
        f"给付金额人民币{advice.get('claim_amount')}元，根据银行反馈估算可执行金额人民币{advice.get('recoverable_amount')}元。"
    )
    if advice.get("proposed_changes"):
        paragraphs.append("建议修改：")
        paragraphs += [f"{n}. {c}" for n, c in enumerate(advice["proposed_changes"], start=1)]
    paragraphs.append(f"理由：{advice.get('reasons', '')}")
    issued = datetime.fromisoformat(advice["issued_at"]) if advice.get("issued_at") else None
    return CourtDocument(
        "执行建议",
        inquiry.case_number,
        paragraphs,
        [f"{court_name}执行局", str(advice.get("officer", "")), _day(issued) if issued else "（未出具）"],
    )
