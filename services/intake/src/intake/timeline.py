"""What the bank reads in a dispute's timeline: one Chinese sentence per step (the steps are recorded by the
platform's `courtlink_shared.db.timeline.record_step` on `TimelineEntry`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on

GROUND_ZH = {
    "party_withdrew_or_refused": "当事人撤回或拒绝调解",
    "positions_too_far_apart": "双方分歧过大",
    "party_refused_to_sign": "当事人拒绝签署调解协议",
    "period_expired": "调解期限届满未延长",
    "other": "其他原因",
}


def local(moment: str | datetime) -> str:
    """A UTC time as Beijing time, the way users read it."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def until(moment: str | datetime) -> str:
    """A deadline as the day it ends on, Beijing time: periods run until 24:00 of their last day (CPL art. 85)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{ends_on(value):%Y-%m-%d} 24:00"


def mediation_summary(event_type: str, data: dict[str, Any]) -> str:
    """The timeline sentence of a mediation event."""
    match event_type.rsplit(".", 1)[-1]:
        case "opened":
            return "调解案件已建立"
        case "mediator_assigned":
            prefix = "重新指派" if data.get("mode") == "reassignment" else "已指派"
            return f"{prefix}调解员{data['mediator_name']}，应于{until(data['accept_by'])}前确认接受"
        case "accepted":
            return f"调解员已接受，调解期限至{until(data['due_at'])}"
        case "extended":
            return f"经各方当事人同意，调解期限延长{data['extra_days']}日至{until(data['due_at'])}"
        case "settled":
            return f"调解成功，达成调解协议（金额{data['agreement']['settled_amount']}元）"
        case "failed":
            return f"调解不成：{GROUND_ZH.get(data['ground'], data['ground'])}，{data['reason']}"
        case "withdrawn":
            return "调解程序因撤回而终结"
        case "confirmation_requested":
            return "双方已申请司法确认"
        case "confirmation_decided":
            if data["decision"] == "confirmed":
                return f"调解协议经司法确认有效，案号{data['case_number']}"
            return f"司法确认申请被驳回：{data['reasons']}"
    return event_type
