"""Analyst and court leaders: the source-governance (诉源治理) dashboard for a period, and the annual report on
judicial advice to the people's congress, each figure as the services' statistics endpoints give it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.web.documents import download
from fastapi import APIRouter, Depends, HTTPException, Request, Response

from console.backend import ServiceDown, ServiceProblem
from console.pages import Part
from console.web import User, console_of, render, requires

router = APIRouter()
Leader = Annotated[User, Depends(requires("analyst", "president"))]
MAX_MONTHS = 24  # one intake call per month: a longer period shows its totals without the monthly chart
NOT_ALLOWED = "您的角色无权查看本部分统计。"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its value and its length in the chart's units (0–100)."""

    label: str
    value: int
    length: float


def bars(values: dict[str, int]) -> list[Bar]:
    """Bars for a horizontal chart, the longest as long as the chart is wide (every value shown as text too)."""
    top = max(values.values(), default=0)
    return [Bar(k, v, round(100 * v / top, 1) if top else 0.0) for k, v in values.items()]


def months(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months the period touches, each cut to the period (first and last day, inclusive)."""
    spans: list[tuple[date, date]] = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        spans.append((first, min(end, following - timedelta(days=1))))
        first = following
    return spans


def period_of(request: Request) -> dict[str, str]:
    """The chosen period as the form sent it; by default this year up to today, Beijing dates."""
    today = datetime.now(SHANGHAI).date()
    return {
        "from": request.query_params.get("from") or today.replace(month=1, day=1).isoformat(),
        "to": request.query_params.get("to") or today.isoformat(),
    }


def period_errors(period: dict[str, str]) -> dict[str, str]:
    """Dates that are not dates, or a period that ends before it starts, by field (the services check the rest)."""
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        try:
            date.fromisoformat(period[name])
        except ValueError:
            errors[name] = "请输入有效日期（年-月-日）"
    if not errors and date.fromisoformat(period["to"]) < date.fromisoformat(period["from"]):
        errors["to"] = "结束日期不得早于开始日期"
    return errors


async def section(call: Awaitable[Any]) -> Part:
    """One part of the dashboard: the service's figures, or why they cannot be shown (down, or not for this role)."""
    try:
        return Part(data=await call)
    except ServiceDown as exc:
        return Part(down=exc.message_zh)
    except ServiceProblem as problem:
        if problem.status in (403, 404):
            return Part(down=NOT_ALLOWED)
        raise


def per_month(figures: dict[str, Any] | None, month_keys: list[str], count: str) -> list[dict[str, Any]] | None:
    """A service's `per_month` figures for every month shown, months it leaves out (nothing happened) as zeros;
    None when the service's part is not shown or the period is too long to chart by month."""
    if figures is None or "per_month" not in figures or len(month_keys) > MAX_MONTHS:
        return None
    table: dict[str, dict[str, int]] = figures["per_month"]
    names = sorted({k for row in table.values() for k in row} | {count})
    return [{"month": key, **dict.fromkeys(names, 0), **table.get(key, {})} for key in month_keys]


def advice_year_months(year: int, end: date, figures: dict[str, Any] | None) -> list[str]:
    """The months of the advice year to show: January to the period's last month, or to the last month with advice
    issued when that is later (the year's figures count it)."""
    last = end.month if end.year == year else 12
    for key in (figures or {}).get("per_month", {}):
        if key.startswith(f"{year}-"):
            last = max(last, int(key[5:7]))
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


@router.get("/dashboard")
async def dashboard(request: Request, user: Leader) -> Response:
    """Intake, mediation, enforcement inquiry and judicial advice for the period, with charts and their tables."""
    period = period_of(request)
    services = console_of(request).services

    async def figures(service: str, params: dict[str, Any]) -> Any:
        return (await services.send(service, "GET", "/statistics", user.token, params=params)).json()

    errors = period_errors(period)
    if not errors:
        start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        year = end.year
        try:
            intake, mediation, inquiry, advice = await asyncio.gather(
                section(figures("intake", period)),
                section(figures("finance-mediation", period)),
                section(figures("enforcement-inquiry", period)),
                section(figures("judicial-advice", {"year": year})),
            )
        except ServiceProblem as problem:  # a period the services refuse (before 2000, say): they name the field
            errors = {k.removeprefix("query."): v for k, v in problem.field_messages().items()} or {"": problem.detail}
    if errors:
        failed: dict[str, Any] = {"title": "诉源治理看板", "period": period, "errors": errors}
        return render(request, "dashboard/dashboard.html", failed, status=422)
    monthly: list[dict[str, Any]] | None = None
    spans = months(start, end)
    if intake.data is not None and len(spans) <= MAX_MONTHS:
        month_parts = await asyncio.gather(
            *(section(figures("intake", {"from": a.isoformat(), "to": b.isoformat()})) for a, b in spans)
        )
        if all(p.data is not None for p in month_parts):
            monthly = [{"month": a.strftime("%Y-%m"), **p.data} for (a, _), p in zip(spans, month_parts, strict=True)]
    inquiry_months = per_month(inquiry.data, [a.strftime("%Y-%m") for a, _ in spans], "inquiries")
    advice_months = per_month(advice.data, advice_year_months(year, end, advice.data), "issued")
    context: dict[str, Any] = {
        "title": "诉源治理看板",
        "period": period,
        "errors": {},
        "year": year,
        "intake": intake,
        "mediation": mediation,
        "inquiry": inquiry,
        "advice": advice,
        "monthly": monthly,
        "monthly_bars": bars({m["month"]: m["accepted"] for m in monthly}) if monthly else [],
        "bank_bars": bars(mediation.data["cases_per_bank"]) if mediation.data else [],
        "inquiry_months": inquiry_months,
        "inquiry_month_bars": bars({m["month"]: m["inquiries"] for m in inquiry_months or []}),
        "advice_months": advice_months,
        "advice_month_bars": bars({m["month"]: m["issued"] for m in advice_months or []}),
        "recipient_bars": (
            bars({k: v["issued"] for k, v in advice.data["per_recipient"].items()}) if advice.data else []
        ),
    }
    return render(request, "dashboard/dashboard.html", context)


@router.get("/dashboard/annual-report.{fmt}")
async def annual_report(request: Request, fmt: Literal["csv", "pdf"], user: Leader) -> Response:
    """judicial-advice's annual report to the people's congress, passed through under the user's own token."""
    raw = request.query_params.get("year") or str(datetime.now(SHANGHAI).year)
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise HTTPException(status_code=404)
    upstream = await console_of(request).services.send(
        "judicial-advice", "GET", f"/reports/annual.{fmt}", user.token, params={"year": raw}
    )
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/pdf"
    return download(upstream.content, media_type=media, filename=f"judicial-advice-{raw}.{fmt}")
