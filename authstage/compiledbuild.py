"""Compiling the query of a ``@compiled`` function (compiled.py) into a ``Plan``.

The function is called with a ``Param`` for each parameter, the query it returns is taken apart
(the proxy of ``.first()``, ``.get()``, ``output(as_list=True)``) and compiled to SQL text, and
each argument of the statement is traced back to a parameter, a constant or a column default.

Kept apart from compiled.py because it needs Piccolo's query classes (about 0.2 s to import):
compiled.py loads this module on a compiled function's first call, so importing ``authstage``
or decorating a function does not load Piccolo.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from piccolo.columns.base import Column
from piccolo.columns.defaults.base import Default
from piccolo.query.base import Query
from piccolo.query.methods import objects, select
from piccolo.query.methods.delete import Delete
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.update import Update
from piccolo.querystring import QueryString

from authstage import engines
from authstage.compiledplan import CompileError, Param, Plan, Slot

__all__ = ["compile_plan"]


def _fetch(engine: Any, sql: str, args: list[Any], query_type: str, table: Any) -> Awaitable[Any]:
    """``engines.fetch_compiled``, looked up on every call (so a plan compiled once follows a
    replacement of it: tests count the statements sent that way)."""
    return engines.fetch_compiled(engine, sql, args, query_type, table)


class _ColumnDefault:
    """An insert's column left out of the row: its default, computed again on every call."""

    __slots__ = ("column",)

    def __init__(self, column: Column) -> None:
        self.column = column

    def value(self) -> Any:
        value = _default_value(self.column)
        return value.python() if isinstance(value, Default) else value


_default_value = Column.get_default_value


def _deferred_default(column: Column) -> Any:
    value = _default_value(column)
    if value is None or isinstance(value, QueryString):  # none, or SQL (a serial's DEFAULT)
        return value
    return _ColumnDefault(column)


@contextmanager
def _defaults_deferred() -> Iterator[None]:
    """Make ``Table(...)`` leave a marker, not a value, for each column it defaults.

    Piccolo computes defaults inside ``Table.__init__`` and keeps no record of which values
    were given, so the marker is the only way to tell a default (a new ``now()`` on every call)
    from a constant written in the query. Swapped on the class only while the function runs,
    synchronously: no other code runs on this thread in between.
    """
    Column.get_default_value = _deferred_default  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Column.get_default_value = _default_value  # type: ignore[method-assign]


def _finisher(query: Any) -> tuple[Query[Any, Any], Literal["rows", "first", "list"]]:
    """The query under ``query``'s proxy and what the proxy does with its rows."""
    if isinstance(query, Query):
        callbacks = getattr(getattr(query, "callback_delegate", None), "_callbacks", {})
        if any(callbacks.values()):
            raise CompileError("a query with callbacks cannot be compiled")
        return query, "rows"
    if isinstance(query, objects.Get):
        query = query.query
    if isinstance(query, select.First | objects.First):
        return _finisher(query.query)[0], "first"
    if isinstance(query, select.SelectList):
        return _finisher(query.query)[0], "list"
    raise CompileError(
        f"{type(query).__name__} cannot be compiled: return a Piccolo select, objects, insert, "
        "update, delete, count or exists query, optionally with .first(), .get() or "
        ".output(as_list=True)"
    )


def _slot(arg: Any) -> Slot:
    if isinstance(arg, Param):
        return Slot("param", name=arg.name)
    if isinstance(arg, _ColumnDefault):
        return Slot("default", value=arg)
    return Slot("const", value=arg)


def compile_plan(name: str, build: Callable[..., Any], names: tuple[str, ...]) -> Plan:
    """The plan of the query ``build`` returns, for the engine its table is bound to now.

    Raises:
        CompileError: the query cannot be compiled (see compiled.py).
    """
    params = {param: Param(param) for param in names}
    with _defaults_deferred():
        query = build(**params)
    inner, finish = _finisher(query)
    table = inner.table
    engine = table._meta.db
    if engine is None:
        raise CompileError(f"{name}: table {table.__name__} has no engine")
    inner._validate()  # type: ignore[no-untyped-call]
    querystrings = inner.querystrings
    if len(querystrings) != 1:
        raise CompileError(f"{name}: the query needs {len(querystrings)} statements")
    sql, args = querystrings[0].compile_string(engine_type=engine.engine_type)
    slots = [_slot(arg) for arg in args]
    used = {slot.name for slot in slots if slot.kind == "param"}
    unused = [param for param in names if param not in used]
    if unused:
        raise CompileError(
            f"{name}: parameter(s) {', '.join(unused)} are not values of the query "
            "(a parameter may only stand for a value sent with the statement)"
        )
    plain = isinstance(inner, Insert | Update | Delete)
    return Plan(
        engine=engine,
        table=table,
        sql=sql,
        slots=slots,
        query=inner,
        finish="dicts" if plain and finish == "rows" else finish,
        query_type=querystrings[0].query_type,
        fetch=_fetch,
    )
