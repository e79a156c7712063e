"""The official calendar kept by every service: arrangements loaded by the court's administrator travel as
`platform.calendar.arrangement_loaded` events; every service stores them in its `calendar_arrangements` table and
every replica re-reads that table every few seconds into the process's calendar, so that all of them converge.

Why a table and an event rather than a file on disk: replicas of several services run on several machines; the
event reaches each service once (its consumer group), the table reaches each replica (its refresh), and a service
started later reads the topic from its beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courtlink_shared.clock import SHANGHAI, Clock
from courtlink_shared.db.platform_tables import calendar_arrangements
from courtlink_shared.deadlines.calendar import OFFICIAL_CALENDAR, CalendarSource, OfficialCalendar, YearCalendar
from courtlink_shared.events.envelope import Envelope
from courtlink_shared.events.platform import CalendarArrangementLoaded
from courtlink_shared.observability.metrics import CALENDAR_YEAR_OFFICIAL

log = logging.getLogger(__name__)


async def save_arrangement(session: AsyncSession, loaded: CalendarArrangementLoaded) -> None:
    """Store a year's arrangement in the caller's transaction, unless a later one is stored already (events of a
    year arrive in order, but the API writes its own service's table directly too)."""
    values = {
        "year": loaded.year,
        "holidays": sorted(d.isoformat() for d in loaded.holidays),
        "working_days": sorted(d.isoformat() for d in loaded.working_days),
        "notice": loaded.notice,
        "loaded_by": loaded.by.subject,
        "loaded_at": loaded.loaded_at,
    }
    dialect = postgresql if session.bind is not None and session.bind.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(calendar_arrangements).values(**values)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[calendar_arrangements.c.year],
            set_={k: insert.excluded[k] for k in values if k != "year"},
            where=calendar_arrangements.c.loaded_at < insert.excluded.loaded_at,
        )
    )


async def read_arrangements(session: AsyncSession) -> list[YearCalendar]:
    """Every arrangement stored in this service's database."""
    rows = (await session.execute(select(calendar_arrangements))).mappings().all()
    return [
        YearCalendar(
            year=row["year"],
            source=CalendarSource.LOADED,
            holidays=frozenset(date.fromisoformat(d) for d in row["holidays"]),
            working_days=frozenset(date.fromisoformat(d) for d in row["working_days"]),
            notice=row["notice"],
            loaded_at=row["loaded_at"],
        )
        for row in rows
    ]


async def handle_arrangement_loaded(session: AsyncSession, envelope: Envelope, data: CalendarArrangementLoaded) -> None:
    """Consumer handler of `platform.calendar`: keep the arrangement in this service's database."""
    await save_arrangement(session, data)


def missing_years(now: datetime, calendar: OfficialCalendar | None = None) -> list[int]:
    """Years deadlines are being computed in without an official arrangement: the current year, and from
    December on (the State Council publishes in November or December) the next one."""
    cal = calendar or OFFICIAL_CALENDAR
    today = now.astimezone(SHANGHAI).date()
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    return [y for y in years if not cal.year(y).official]


def readiness_warnings(now: datetime, calendar: OfficialCalendar | None = None) -> list[str]:
    """What /readyz tells operators about the calendar (a warning: deadlines are still computed)."""
    return [
        f"calendar: no holiday arrangement for {year} is loaded; deadlines in {year} are counted on the statutory "
        f"holidays only. Load the State Council's arrangement with PUT /calendar/years/{year}."
        for year in missing_years(now, calendar)
    ]


class CalendarRefresher:
    """Re-reads the service's `calendar_arrangements` into the process's calendar every `interval` seconds."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        loader: str,
        clock: Clock,
        interval_seconds: float,
        calendar: OfficialCalendar | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._loader = loader
        self._clock = clock
        self._interval = interval_seconds
        self._calendar = calendar or OFFICIAL_CALENDAR

    async def refresh(self) -> None:
        """One read of the table (the service also calls this on start, before it answers requests)."""
        async with self._session_factory() as session:
            years = await read_arrangements(session)
        self._calendar.replace_loaded(self._loader, years)
        this_year = self._clock.now().astimezone(SHANGHAI).year
        for year in (this_year, this_year + 1):
            CALENDAR_YEAR_OFFICIAL.labels(year=str(year)).set(int(self._calendar.year(year).official))

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.refresh()
                except Exception as exc:  # the database restarting: keep the calendar we have
                    log.warning("could not refresh the official calendar: %r", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._interval)
        finally:
            if stop.is_set():
                self._calendar.forget(self._loader)
