"""The 司法建议书 as a document, and the annual report to the people's congress (CSV and PDF)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.periods import ends_on
from courtlink_shared.documents import CourtDocument
from courtlink_shared.spreadsheets import csv_writer

from judicial_advice.models import Advice
from judicial_advice.rules import ReplyFigures

_NUMERALS = "一二三四五六七八九十"
ADOPTION_ZH = {"adopted": "采纳", "partly_adopted": "部分采纳", "not_adopted": "未采纳"}


def _numeral(number: int) -> str:
    return _NUMERALS[number] if number < len(_NUMERALS) else str(number + 1)


def advice_document(advice: Advice, *, court_name: str) -> CourtDocument:
    """The advice in the format of the SPC provisions: background, problems, recommendations one-to-one,
    the reply deadline, contact, attachments, copied units."""
    content = advice.content
    paragraphs = [f"{advice.recipient_name}：", content["background"], "本院在审理上述案件中发现以下问题："]
    paragraphs += [f"{_numeral(i)}、{problem}" for i, problem in enumerate(content["problems"])]
    paragraphs.append("为此，本院建议：")
    for rec in sorted(content["recommendations"], key=lambda r: r["problem"]):
        paragraphs.append(f"{_numeral(rec['problem'])}、针对问题{_numeral(rec['problem'])}：{rec['text']}")
    # The period's last day (it runs until 24:00 of that day).
    deadline = f"（即{ends_on(advice.reply_deadline):%Y年%m月%d日}前）" if advice.reply_deadline else ""
    paragraphs.append(f"请于收到本建议书之日起{advice.reply_months}个月内{deadline}，将采纳落实情况书面回复本院。")
    if content.get("related_cases"):
        paragraphs.append("相关案件：" + "、".join(content["related_cases"]))
    paragraphs.append(f"联系人：{content['contact_person']}，联系电话：{content['contact_phone']}。")
    if content.get("attachments"):
        paragraphs.append("附件：" + "；".join(content["attachments"]))
    if advice.cc:
        paragraphs.append("抄送：" + "、".join(c.get("name", c.get("code", "")) for c in advice.cc))
    issued = advice.issued_at.astimezone(SHANGHAI) if advice.issued_at else None
    date_line = f"{issued.year}年{issued.month}月{issued.day}日" if issued else "（未签发）"
    return CourtDocument("司法建议书", advice.number or "（草稿，未编号）", paragraphs, [court_name, date_line])


def annual_report_csv(advices: Sequence[Advice]) -> bytes:
    """One line per advice of the year, for the report to the people's congress (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        ["编号", "标题", "受文单位", "签发日期", "送达日期", "回复期限", "回复日期", "按期回复", "采纳情况", "成效评估"]
    )
    for advice in advices:
        local = {
            k: getattr(advice, k).astimezone(SHANGHAI).date().isoformat() if getattr(advice, k) else ""
            for k in ("issued_at", "delivered_at", "final_reply_at")
        }
        local["reply_deadline"] = ends_on(advice.reply_deadline).isoformat() if advice.reply_deadline else ""
        on_time = (
            ""
            if advice.final_reply_at is None or advice.reply_deadline is None
            else ("是" if advice.final_reply_at <= advice.reply_deadline else "否")
        )
        writer.writerow(
            [
                advice.number or "",
                advice.title,
                advice.recipient_name,
                local["issued_at"],
                local["delivered_at"],
                local["reply_deadline"],
                local["final_reply_at"],
                on_time,
                ADOPTION_ZH.get(advice.adoption or "", ""),
                (advice.evaluation or {}).get("effectiveness", ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def annual_report_document(
    advices: Sequence[Advice], figures: ReplyFigures, *, court_name: str, year: int
) -> CourtDocument:
    """The narrative report: the year's figures, then each advice in one line."""

    def pct(rate: object) -> str:
        return "—" if rate is None else f"{float(str(rate)) * 100:.1f}%"

    paragraphs = [
        f"{year}年度，本院共发出司法建议{figures.issued}件，已送达{figures.delivered}件；"
        f"回复期限届满或已回复{figures.due_or_replied}件，已书面回复{figures.replied}件，反馈率{pct(figures.reply_rate)}；"
        f"按期回复率{pct(figures.on_time_rate)}，采纳率（含部分采纳）{pct(figures.adoption_rate)}。",
        "各件司法建议情况如下：",
    ]
    for advice in advices:
        status = ADOPTION_ZH.get(advice.adoption or "", "尚未回复")
        paragraphs.append(f"{advice.number or '（未编号）'} 致{advice.recipient_name}：{advice.title}（{status}）")
    return CourtDocument(f"{year}年度司法建议工作情况报告", court_name, paragraphs, [court_name])
