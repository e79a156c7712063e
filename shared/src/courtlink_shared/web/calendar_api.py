"""The official calendar over HTTP, mounted by every service: anyone signed in reads which years are known and
from where; the court's administrator loads a year's arrangement (the State Council's notice), which every
service and every replica then counts periods on (calendar_store.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.clock import SHANGHAI
from courtlink_shared.deadlines.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    OFFICIAL_CALENDAR,
    CalendarSource,
    YearCalendar,
    check_arrangement,
)
from courtlink_shared.deadlines.calendar_store import readiness_warnings, save_arrangement
from courtlink_shared.deadlines.periods import PROVISIONAL_WARNING, PROVISIONAL_WARNING_ZH
from courtlink_shared.events.common import Actor
from courtlink_shared.events.platform import CalendarArrangementLoaded
from courtlink_shared.inputs import StrictInput, Text
from courtlink_shared.web.dependencies import ClockDep, OutboxDep, RuntimeDep, SessionDep, require_roles
from courtlink_shared.web.problems import UnprocessableInput

router = APIRouter(tags=["calendar"])

Admin = Annotated[Principal, Depends(require_roles(Role.COURT_ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(*Role))]


class ArrangementIn(StrictInput):
    """A year's arrangement as the State Council published it."""

    holidays: list[date] = Field(
        min_length=1, max_length=366, description="Every day off, weekend days inside a holiday included"
    )
    working_days: list[date] = Field(
        default_factory=list, max_length=120, description="Adjusted working days (调休上班): weekend days worked"
    )
    notice: Annotated[Text, Field(min_length=1, max_length=200)] = Field(
        description="The notice it comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"
    )


class YearOut(BaseModel):
    year: int
    source: CalendarSource
    official: bool = Field(description="False: only the statutory holidays are known; deadlines say so")
    notice: str
    holidays: list[date]
    working_days: list[date]
    loaded_at: datetime | None
    warning: str | None
    warning_zh: str | None = Field(description="`warning` in Chinese")


class CalendarOut(BaseModel):
    years: list[YearOut]
    warnings: list[str] = Field(description="What the court's administrator should do (as on /readyz)")


def _year_out(year: YearCalendar) -> YearOut:
    return YearOut(
        year=year.year,
        source=year.source,
        official=year.official,
        notice=year.notice,
        holidays=sorted(year.holidays),
        working_days=sorted(year.working_days),
        loaded_at=year.loaded_at,
        warning=None if year.official else PROVISIONAL_WARNING.format(years=year.year),
        warning_zh=None if year.official else PROVISIONAL_WARNING_ZH.format(years=year.year),
    )


@router.get("/calendar/years", response_model=CalendarOut, summary="The official calendar: last, this and next year")
async def calendar_years(principal: Reader, clock: ClockDep) -> CalendarOut:
    now = clock.now()
    this_year = now.astimezone(SHANGHAI).year
    years = [OFFICIAL_CALENDAR.year(y) for y in (this_year - 1, this_year, this_year + 1)]
    return CalendarOut(years=[_year_out(y) for y in years], warnings=readiness_warnings(now))


@router.put(
    "/calendar/years/{year}",
    response_model=YearOut,
    summary="Load a year's holiday arrangement; every service and replica counts periods on it within seconds",
)
async def load_arrangement(
    year: Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)],
    body: ArrangementIn,
    principal: Admin,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    runtime: RuntimeDep,
) -> YearOut:
    problems = check_arrangement(year, body.holidays, body.working_days)
    if problems:
        raise UnprocessableInput.on_fields(*((f"body.{p.field}", p.message, "节假日安排有误") for p in problems))
    now = clock.now()
    loaded = CalendarArrangementLoaded(
        year=year,
        holidays=sorted(set(body.holidays)),
        working_days=sorted(set(body.working_days)),
        notice=body.notice,
        by=Actor(subject=principal.subject, organisation=principal.organisation, role=Role.COURT_ADMIN.value),
        loaded_at=now,
    )
    # This service's table now (so this replica answers with it at once); the others through the event.
    await save_arrangement(session, loaded)
    await outbox.emit(session, loaded, subject=str(year), key=str(year), time=now)
    await session.commit()
    await runtime.calendar.refresh()
    return _year_out(OFFICIAL_CALENDAR.year(year))
