"""How values read in the interface: Beijing time, yuan, and the Chinese names of statuses and choices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from courtlink_shared.clock import SHANGHAI

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
CHANNELS = {"online": "在线", "phone": "电话", "in_person": "当面", "sms": "短信", "post": "邮寄"}
CONTACT_RESULTS = {"reached": "已联系上", "not_reached": "未联系上", "refused": "拒绝调解"}
ROLES = {
    "bank_operator": "银行经办人",
    "intake_clerk": "诉讼服务中心立案员",
    "mediator": "特邀调解员",
    "mediation_org_admin": "调解组织管理员",
}
DISPUTE_TYPES = ("金融借款合同纠纷", "信用卡纠纷")


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


def label(value: Any, names: dict[str, str]) -> str:
    """The Chinese name of a code, or the code itself when it has none."""
    return names.get(str(value), str(value)) if value is not None else "—"
