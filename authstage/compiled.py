"""Piccolo queries compiled to SQL once and run again with new values: ``@compiled``.

A Piccolo query is rebuilt on every call: the query object, its clauses, a tree of
``QueryString`` objects, then the SQL text and its argument list (about 20-60 µs of CPU for an
insert or a select by key, as much as the round trip to a local PostgreSQL). A query that
differs from call to call only in its values can be built once:

    @compiled
    def note_by_id(note_id: int) -> First:
        return Note.select().where(Note.id == note_id).first()

    row = await note_by_id(note_id=5)  # or note_by_id(5)

The function is called once per engine with a ``Param`` standing for each of its parameters;
the query it returns is compiled to SQL text and an argument order (which parameter, constant or
column default goes where), and every call after that only puts the values in order and sends
the statement. On PostgreSQL that is asyncpg's ``fetch`` on the pooled connection, whose
statement cache prepares the statement once per connection; on SQLite the same text through
Piccolo's SQLite engine. The rows come back through the query's own result processing, so they
are exactly what awaiting the query gives: the same column names and aliases, ``.first()``'s one
row or None, ``output(as_list=True)``'s list, ``returning(...)``'s rows, decoded JSON.

What stays Piccolo's: the current transaction (``write_transaction()``, ``engine.transaction()``)
is used when there is one; the engine fixes of engines.py hold (``fetch_compiled``); failures are
the drivers' own exceptions, so an outage is still a 503 (outage.py) and a unique violation a
``CONFLICT``. An insert's columns left out of the row get their default on every call
(``created_at`` is the time of the call, not of the compilation).

What it does not do: a parameter is a value, never a part of the SQL (a column, a table, a
sort order, the length of an ``is_in`` list): those are fixed when the function is first called.
Values are sent as given, without Piccolo's conversions of enums, rows or JSON: pass what the
column stores. Queries with callbacks, and proxies other than ``first()``, ``get()`` and
``output(as_list=True)``, are refused when compiled.

Written here because Piccolo's own ``freeze()`` caches the SQL together with its values, which
only helps queries whose values never change.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Literal, ParamSpec, TypeVar

from piccolo.columns.base import Column
from piccolo.columns.defaults.base import Default
from piccolo.query.base import Query
from piccolo.query.methods import objects, select
from piccolo.query.methods.delete import Delete
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.update import Update
from piccolo.querystring import QueryString

from authstage import engines
from authstage.compiledplan import Plan, Slot

__all__ = ["CompileError", "Compiled", "Param", "compiled"]

P = ParamSpec("P")
R = TypeVar("R")


class CompileError(TypeError):
    """A function given to ``@compiled`` does not make a query that can be compiled."""


class Param(int):
    """Stands for the value of one parameter while the query is built; never a real value.

    An ``int`` so that Piccolo's clauses that accept only numbers (``Post.likes + delta``,
    ``limit(n)``) accept it too; what it stands for may be of any type.
    """

    name: str

    def __new__(cls, name: str) -> Param:
        param = super().__new__(cls, 0)
        param.name = name
        return param

    def __bool__(self) -> bool:
        raise CompileError(
            f"parameter {self.name!r} was tested while the query was compiled: a compiled "
            "query's shape cannot depend on its values"
        )

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


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


class Compiled(Generic[P, R]):
    """A query function compiled once per engine; call it (awaited) with the function's
    parameters. See the module docstring."""

    def __init__(self, build: Callable[P, Awaitable[R]]) -> None:
        signature = inspect.signature(build)
        for parameter in signature.parameters.values():
            if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                raise CompileError(
                    f"{build.__qualname__}: parameter {parameter.name!r} must be a plain "
                    "named parameter (no *args, **kwargs or positional-only ones)"
                )
            if parameter.default is not parameter.empty:
                raise CompileError(
                    f"{build.__qualname__}: parameter {parameter.name!r} has a default; a "
                    "compiled query takes every value at each call"
                )
        self._build = build
        self.__name__ = self.__qualname__ = build.__qualname__
        self.__doc__ = build.__doc__
        self.names = tuple(signature.parameters)
        self._positional = sum(
            1 for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
        )
        self._plan: Plan | None = None

    def plan(self) -> Plan:
        """The compiled form for the engine the query's table is bound to now, compiled on the
        first call and again after the table is bound to another engine."""
        plan = self._plan
        if plan is None or plan.engine is not plan.table._meta.db:
            self._plan = plan = self._compile()
        return plan

    def _compile(self) -> Plan:
        params = {name: Param(name) for name in self.names}
        with _defaults_deferred():
            query = self._build(**params)  # type: ignore[call-arg,arg-type]
        inner, finish = _finisher(query)
        table = inner.table
        engine = table._meta.db
        if engine is None:
            raise CompileError(f"{self.__name__}: table {table.__name__} has no engine")
        inner._validate()  # type: ignore[no-untyped-call]
        querystrings = inner.querystrings
        if len(querystrings) != 1:
            raise CompileError(f"{self.__name__}: the query needs {len(querystrings)} statements")
        sql, args = querystrings[0].compile_string(engine_type=engine.engine_type)
        slots = [_slot(arg) for arg in args]
        used = {slot.name for slot in slots if slot.kind == "param"}
        unused = [name for name in self.names if name not in used]
        if unused:
            raise CompileError(
                f"{self.__name__}: parameter(s) {', '.join(unused)} are not values of the query "
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
        )

    def _values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = self.names
        if len(args) > self._positional:
            raise TypeError(
                f"{self.__name__}() takes {self._positional} positional argument(s), "
                f"{len(args)} given"
            )
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name in values or name not in names:
                problem = "got two values for" if name in values else "has no parameter"
                raise TypeError(f"{self.__name__}() {problem} {name!r}")
            values[name] = value
        if len(values) != len(names):
            missing = ", ".join(name for name in names if name not in values)
            raise TypeError(f"{self.__name__}() is missing parameter(s): {missing}")
        return values

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        values = self._values(args, kwargs)
        plan = self.plan()
        records = await engines.fetch_compiled(
            plan.engine, plan.sql, plan.arguments(values), plan.query_type, plan.table
        )
        result: R = await plan.rows(records)
        return result


def compiled(build: Callable[P, Awaitable[R]]) -> Compiled[P, R]:
    """Compile the Piccolo query that ``build`` returns once per engine; see the module docs.

    Raises:
        CompileError: ``build`` has ``*args``, ``**kwargs`` or defaults (at definition), or its
            query cannot be compiled (on the first call: a parameter that is not a value, an
            unsupported query, a query of several statements).

    Example:
        >>> @compiled
        ... def add_likes(post_id: int, delta: int) -> Update:
        ...     return (
        ...         Post.update({Post.likes: Post.likes + delta})
        ...         .where(Post.id == post_id)
        ...         .returning(Post.likes)
        ...     )
        >>> rows = await add_likes(post_id=1, delta=1)
    """
    return Compiled(build)
