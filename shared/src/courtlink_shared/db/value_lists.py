"""A column compared with a list of values bound as one parameter, whatever the list's length.

`column.in_(values)` renders a placeholder per value, so each length is a statement of its own: SQLAlchemy
renders the list again at every execution, asyncpg prepares the statement again once its cache of statements
has turned over, and PostgreSQL parses and plans it again. The lists of the busy paths change length at every
call (a relay batch's outbox ids, the deadlines a sweep claims, the inquiries a bank's answer concerns); `one_of`
is one statement for all of them:

- PostgreSQL: `column IN (SELECT unnest($1))`, the values as one array;
- SQLite: `column IN (SELECT value FROM json_each(?))`, the values as one JSON array.

Not `column = ANY($1)`: once PostgreSQL plans the statement for any array (its generic plan), a table it
believes small (a young inbox, before its statistics catch up) is read whole with the array as a filter, and
each row is looked for in the array one element after another: 65 ms for 3,000 rows and 500 ids, where the
literal list of `in_` is hashed. As a set, the values are joined to the table: by index, or by hash.

Use it for a list matched against a column that an index leads on its own (a key, a foreign key), whose length
varies from call to call. Keep `in_` for a fixed handful of constants (statuses), and where an equality on
another column leads the index (an inbox's consumer, a bank's references): on a young table PostgreSQL may read
all rows of that consumer or bank and join the list to each row in turn, where the constants of `in_` are hashed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, Boolean, ColumnElement, String, TypeDecorator, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType


class _ValueList(TypeDecorator[list[Any]]):
    """A list bound as one parameter: an array of `item_type` on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def __init__(self, item_type: TypeEngine[Any]) -> None:
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return value
        return json.dumps(value)


class _OneOf(ColumnElement[bool]):
    """`column` equal to one of the values of a list bound as one parameter (compiled per database below)."""

    __visit_name__ = "one_of"
    inherit_cache = True
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012 (SQLAlchemy declares it a list)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands, not a value SQLite must compare with 1

    def __init__(self, column: ColumnElement[Any], values: BindParameter[list[Any]]) -> None:
        self.column = column
        self.values = values


def one_of(column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column` is one of `values` (none: nothing matches), as one statement whatever the number of values."""
    expression = column.expression if isinstance(column, QueryableAttribute) else column
    return _OneOf(expression, bindparam(None, list(values), type_=_ValueList(expression.type)))


@compiles(_OneOf)
def _in_json_each(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608 (compiled clauses, no value)


@compiles(_OneOf, "postgresql")
def _in_unnest(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT unnest({values}))"
