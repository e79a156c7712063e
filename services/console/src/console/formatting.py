"""How values read in the interface: Beijing time, yuan, and the Chinese names of statuses and choices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on

DISPUTE_STATUS = {
    "pending_review": "疑似重复待审查",
    "routed": "已导入诉前调解",
    "in_mediation": "调解中",
    "settled": "调解成功",
    "confirmed": "已司法确认",
    "mediation_failed": "调解不成",
    "filed": "已转立案",
    "withdrawn": "已撤回",
    "rejected": "已驳回（重复）",
}
CASE_STATUS = {
    "opened": "待分配",
    "assigned": "待调解员接受",
    "in_mediation": "调解中",
    "suspended": "中止（鉴定评估）",
    "awaiting_signatures": "协议待签署",
    "settled": "调解成功",
    "failed": "调解不成",
    "withdrawn": "已撤回",
}
ROW_OUTCOME = {
    "accepted": "已受理",
    "existing": "已存在（重复提交）",
    "probable_duplicate": "疑似重复",
    "rejected": "退回",
}
TERMINATION_GROUNDS = {
    "party_withdrew_or_refused": "当事人撤回或拒绝调解",
    "positions_too_far_apart": "双方分歧过大",
    "party_refused_to_sign": "当事人拒绝签署协议",
    "period_expired": "调解期限届满未延长",
    "other": "其他（须说明理由）",
}
ACTIVITIES = {
    "assigned": "分配调解员",
    "reassignment": "改派调解员",
    "accepted": "调解员接受调解",
    "contact": "联系当事人",
    "session": "调解",
    "extended": "延长调解期限",
    "suspended": "中止计算期限",
    "resumed": "恢复计算期限",
    "agreement_drafted": "记录调解协议",
    "signed": "当事人签署",
    "failed": "调解不成",
    "confirmation_requested": "申请司法确认",
    "confirmation_accepted": "法院受理司法确认",
    "confirmation_decided": "司法确认裁定",
}
CHANNELS = {"online": "在线", "phone": "电话", "in_person": "当面", "sms": "短信", "post": "邮寄"}
CONTACT_RESULTS = {"reached": "已联系上", "not_reached": "未联系上", "refused": "拒绝调解"}
ROLES = {
    "bank_operator": "银行经办人",
    "intake_clerk": "诉讼服务中心立案员",
    "mediator": "特邀调解员",
    "mediation_org_admin": "调解组织管理员",
    "trial_judge": "审判法官",
    "enforcement_officer": "执行局执行员",
    "advice_manager": "研究室（司法建议）",
    "judicial_committee": "审判委员会",
    "president": "院长",
    "agency_officer": "被建议单位经办人",
    "analyst": "数据分析员",
}
DISPUTE_TYPES = ("金融借款合同纠纷", "信用卡纠纷")
# The names of a dispute's fields as the CSV template and the bank's staff call them (for the row report).
FIELD_NAMES = {
    "bank_reference": "银行业务编号",
    "dispute_type": "纠纷类型",
    "claimant.name": "申请人名称",
    "claimant.code": "申请人统一社会信用代码",
    "contract_number": "合同编号",
    "default_date": "违约日期",
    "claim.principal": "本金",
    "claim.interest": "利息",
    "claim.penalty": "罚息",
    "claim.fees": "费用",
    "claim.total": "合计",
    "court_code": "法院代码",
    "evidence": "证据",
}
_RESPONDENT_FIELDS = {"kind": "类型", "name": "名称", "id_number": "证件号码", "phone": "电话", "address": "地址"}


def deadline(value: Any) -> str:
    """A deadline as the law states it: the Beijing day it ends on, at 24:00 (`2026-12-01 24:00`), not the
    instant after it (`2026-12-02 00:00`, which reads as a day late); a deadline at another hour as it is."""
    if value in (None, ""):
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return beijing(value)
    local = moment.astimezone(SHANGHAI)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return beijing(moment)
    return f"{ends_on(moment).isoformat()} 24:00"


def beijing(value: Any, with_time: bool = True) -> str:
    """A moment as Beijing time (`2026-05-01 14:30`); a date as it is; blanks for nothing."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI)
        return local.strftime("%Y-%m-%d %H:%M") if with_time else local.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def yuan(value: Any) -> str:
    """An amount in yuan with thousands separators (`¥51,500.00`)."""
    if value in (None, ""):
        return "—"
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def percent(value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(value)) * 100:.1f}%"
    except InvalidOperation:
        return str(value)


def field_name(path: Any) -> str:
    """A dotted field path in the bank's words (`respondents.0.id_number` → 被申请人1证件号码)."""
    text = str(path or "").removeprefix("body.")
    parts = text.split(".")
    if len(parts) >= 2 and parts[0] == "respondents" and parts[1].isdigit():
        rest = _RESPONDENT_FIELDS.get(".".join(parts[2:]), ".".join(parts[2:]))
        return f"被申请人{int(parts[1]) + 1}{rest}"
    return FIELD_NAMES.get(text, text or "—")


def reason(error: dict[str, Any]) -> str:
    """The Chinese reason of a field error, with the service's precise wording where the Chinese one is generic."""
    zh, detail = str(error.get("message_zh") or ""), str(error.get("message") or "")
    if zh and detail and zh in ("取值无效", "数值过小", "数值过大", "内容过长", "内容过短"):
        return f"{zh}（{detail}）"
    return zh or detail or "—"


def label(value: Any, names: dict[str, str]) -> str:
    """The Chinese name of a code, or the code itself when it has none."""
    return names.get(str(value), str(value)) if value is not None else "—"
