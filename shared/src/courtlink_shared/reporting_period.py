"""The reporting period of statistics: Beijing dates, first and last day inclusive. The web layer reads it from
`?from=…&to=…` (`courtlink_shared.web.periods`); queries take it as a plain value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from courtlink_shared.clock import beijing_day_start


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: from the first day's midnight in Beijing to the midnight after the last."""
        return beijing_day_start(self.start), beijing_day_start(self.end + timedelta(days=1))


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # statistics outside these years are typing errors
