"""The Beijing calendar month of a stored time, as SQL: statistics count per month in the database, grouped by it.

Times are stored as UTC (`courtlink_shared.db.types.UtcDateTime`); users' months are Beijing months. Beijing
keeps UTC+8 all year (no daylight saving since 1991), so the month of `time + 8 hours` is the Beijing month on
both databases, without a time-zone database:

- PostgreSQL: `to_char((time AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM')` (the UTC wall time first, so
  the session's time zone plays no part);
- SQLite: `strftime('%Y-%m', time, '+8 hours')` (SQLite keeps the UTC time as text).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import SQLColumnExpression, String
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

BEIJING_UTC_OFFSET_HOURS = 8


class _BeijingMonth(FunctionElement[str]):
    type = String()
    name = "beijing_month"
    inherit_cache = True


def beijing_month(moment: SQLColumnExpression[datetime | None]) -> ColumnElement[str]:
    """The Beijing month of a stored time as `YYYY-MM` text (NULL for NULL), usable in SELECT and GROUP BY on
    PostgreSQL and SQLite; the same as `moment.astimezone(SHANGHAI).strftime("%Y-%m")` in Python."""
    return _BeijingMonth(moment)


def _only_argument(element: _BeijingMonth, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    return compiler.process(moment, **kw)


@compiles(_BeijingMonth, "postgresql")
def _postgresql(element: _BeijingMonth, compiler: SQLCompiler, **kw: Any) -> str:
    moment = _only_argument(element, compiler, **kw)
    return f"to_char(({moment} AT TIME ZONE 'UTC') + INTERVAL '{BEIJING_UTC_OFFSET_HOURS} hours', 'YYYY-MM')"


@compiles(_BeijingMonth, "sqlite")
def _sqlite(element: _BeijingMonth, compiler: SQLCompiler, **kw: Any) -> str:
    moment = _only_argument(element, compiler, **kw)
    return f"strftime('%Y-%m', {moment}, '+{BEIJING_UTC_OFFSET_HOURS} hours')"


@compiles(_BeijingMonth)
def _other(element: _BeijingMonth, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"beijing_month is written for PostgreSQL and SQLite, not {compiler.dialect.name}")
