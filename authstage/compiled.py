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

Piccolo itself is imported on the first call (compiledbuild.py), not with ``authstage``.

Written here because Piccolo's own ``freeze()`` caches the SQL together with its values, which
only helps queries whose values never change.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Generic, ParamSpec, TypeVar

from authstage.compiledplan import CompileError, Param, Plan

__all__ = ["CompileError", "Compiled", "Param", "compiled"]

P = ParamSpec("P")
R = TypeVar("R")


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
        from authstage.compiledbuild import compile_plan  # Piccolo: on the first call only

        return compile_plan(self.__name__, self._build, self.names)

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
        records = await plan.fetch(
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
