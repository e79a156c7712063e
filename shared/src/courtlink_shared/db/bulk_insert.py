"""Many rows into one table in one statement.

An executemany runs the INSERT once per row on PostgreSQL: each execution starts and ends the executor, and that
costs the server more than the row itself (measured: ~50 µs of server CPU per timeline row as executemany, ~28 µs
as one statement). So on PostgreSQL the rows go as one column array per column, unnested by a single
`INSERT … SELECT unnest($1::t1[]), unnest($2::t2[]), …`: one statement whatever the number of rows, its text the
same for every number (so it stays prepared), the rows inserted in the order given (serial ids follow it).
Elsewhere (SQLite) it is the plain executemany.

`insert_new_rows` does the same and skips the rows whose unique key is taken (ON CONFLICT DO NOTHING), saying
which it inserted: an inbox claims a poll's events with it.

The values pass through each column type's own bind processing (JSON serialised, UTC checked, money quantised),
as they would in an executemany; a column left out gets its scalar default, or the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Table, TextClause, insert, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Session


def _table(target: type[DeclarativeBase] | Table) -> Table:
    table = target if isinstance(target, Table) else target.__table__
    assert isinstance(table, Table)
    return table


async def insert_rows(
    session: AsyncSession, target: type[DeclarativeBase] | Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` (dicts with the same keys, by column key) into the model's or table's table, in the
    caller's transaction."""
    if rows:
        table = _table(target)
        statement, parameters = _many_rows(table, rows, session.get_bind().dialect)
        await session.execute(statement, parameters)


async def insert_new_rows(
    session: AsyncSession, target: type[DeclarativeBase] | Table, rows: Sequence[Mapping[str, Any]], returning: str
) -> list[Any]:
    """Insert the rows whose unique key is still free, in the caller's transaction; the `returning` column's values
    of the rows inserted. A row already stored, or one that another transaction has inserted and not yet
    committed, is skipped (the insert waits for that transaction: skipped if it commits, inserted if it rolls
    back). Give the rows in one order everywhere (by key): two transactions that insert overlapping rows in
    different orders could each wait for the other."""
    if not rows:
        return []
    table = _table(target)
    dialect = session.get_bind().dialect
    column = table.c[returning]
    if _unnested(table, rows, dialect):
        suffix = f" ON CONFLICT DO NOTHING RETURNING {dialect.identifier_preparer.quote(column.name)}"
        statement, parameters = unnest_insert(table, _by_column(table, rows), dialect, suffix)
        return list((await session.execute(statement, parameters)).scalars())
    insert_or_skip = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
    inserted: list[Any] = []
    for row in rows:  # a statement per row: SQLite, or a column whose default is computed per row
        one = insert_or_skip(table).values(dict(row)).on_conflict_do_nothing().returning(column)
        inserted.extend((await session.execute(one)).scalars())
    return inserted


def insert_rows_now(session: Session, target: type[DeclarativeBase] | Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """`insert_rows` for synchronous code (a commit hook's sync session)."""
    if rows:
        table = _table(target)
        statement, parameters = _many_rows(table, rows, session.get_bind().dialect)
        session.execute(statement, parameters)


def _many_rows(
    table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> tuple[Executable, list[dict[str, Any]] | dict[str, list[Any]]]:
    """The statement and its parameters: one unnest on PostgreSQL, else an executemany."""
    if not _unnested(table, rows, dialect):
        return insert(table), [dict(row) for row in rows]
    return unnest_insert(table, _by_column(table, rows), dialect)


def _unnested(table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> bool:
    """Whether the rows go as one unnest (PostgreSQL, no default computed per row); they must name the same
    columns, as an executemany requires (said plainly)."""
    names = list(rows[0])
    expected = set(names)
    if any(row.keys() != expected for row in rows):
        raise ValueError(f"rows for {table.name} do not all have the same columns: {sorted(expected)}")
    return dialect.name == "postgresql" and _defaults_are_scalar(table, names)


def _by_column(table: Table, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The rows' values column by column, with the scalar default of each column the rows leave out."""
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    for column in table.c:
        if column.key not in columns and column.default is not None:
            columns[column.key] = [column.default.arg] * len(rows)  # type: ignore[attr-defined]  # scalar, checked
    return columns


def unnest_insert(
    table: Table, columns: dict[str, list[Any]], dialect: Dialect, suffix: str = ""
) -> tuple[TextClause, dict[str, list[Any]]]:
    """PostgreSQL: the statement INSERT … SELECT unnest(CAST(:p0 AS type0[])), … `suffix` (e.g. an ON CONFLICT
    clause) and its parameters, each column's values (column key → values, all of one length) as one array.

    The values are processed as the column's type processes a value, None included (a JSON column's values are
    JSON text then, so that a list value is not taken for a dimension of the array, and None is JSON's null)."""
    statement, processors = _unnest_statement(table, tuple(columns), dialect, suffix)
    parameters = {
        f"p{i}": values if process is None else [process(v) for v in values]
        for i, (process, values) in enumerate(zip(processors, columns.values(), strict=True))
    }
    return statement, parameters


@lru_cache(maxsize=256)
def _unnest_statement(
    table: Table, keys: tuple[str, ...], dialect: Dialect, suffix: str
) -> tuple[TextClause, tuple[Callable[[Any], Any] | None, ...]]:
    """The statement and each column's value processing, made once per table and columns: building them costs
    ~0.4 ms for a table of 28 columns, which a single submission's transaction would pay for every insert."""
    preparer = dialect.identifier_preparer
    columns = [table.c[key] for key in keys]
    selected = ", ".join(
        f"unnest(CAST(:p{i} AS {column.type.compile(dialect=dialect)}[]))" for i, column in enumerate(columns)
    )
    into = ", ".join(preparer.quote(column.name) for column in columns)
    statement = text(f"INSERT INTO {preparer.format_table(table)} ({into}) SELECT {selected}{suffix}")
    return statement, tuple(column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns)


def _defaults_are_scalar(table: Table, names: list[str]) -> bool:
    """Whether every column left out has no default, a server default or a scalar one (a callable one, e.g. a
    new id per row, is left to executemany, which calls it per row)."""
    return all(column.default is None or column.default.is_scalar for column in table.c if column.key not in names)
