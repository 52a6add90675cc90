"""The compiled form of a query (compiled.py): its SQL, where each argument comes from, and how
its rows are turned into what awaiting the query gives; and ``Param``, what stands for a value
while the query is built.

Kept apart from the compiler (compiledbuild.py) so that the per-call work, the only part on the
request path, reads on its own: put the values in order (``arguments``), then shape the driver's
rows (``rows``). Piccolo's types are named for the type checker only: this module is imported
with ``authstage``, Piccolo when a query is first compiled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from piccolo.engine.base import Engine
    from piccolo.query.base import Query
    from piccolo.table import Table

__all__ = ["CompileError", "Param", "Plan", "Slot"]


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


@dataclass(frozen=True, slots=True)
class Slot:
    """One argument of the statement: a parameter's value, a constant, or a column default."""

    kind: Literal["param", "const", "default"]
    #: The parameter's name (``param``).
    name: str = ""
    #: The constant (``const``), or the marker whose ``value()`` is the default (``default``).
    value: Any = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A query compiled for one engine."""

    engine: Engine[Any]
    table: type[Table]
    #: The statement, with ``$n`` (PostgreSQL) or ``?`` (SQLite) placeholders.
    sql: str
    slots: list[Slot]
    #: The query as built with parameters: its result processing is reused.
    query: Query[Any, Any]
    #: ``dicts`` (insert, update, delete: the rows as dicts), ``rows`` (the query's own result
    #: processing), ``first`` (its first row or None), ``list`` (``output(as_list=True)``).
    finish: Literal["dicts", "rows", "first", "list"]
    query_type: str
    #: Runs the statement: ``engines.fetch_compiled`` (given by the compiler, so that this
    #: module does not import Piccolo's engines).
    fetch: Callable[[Engine[Any], str, list[Any], str, Any], Awaitable[Any]]

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        """The statement's arguments for ``values`` (one per parameter name)."""
        arguments = []
        for slot in self.slots:
            kind = slot.kind
            if kind == "param":
                arguments.append(values[slot.name])
            elif kind == "const":
                arguments.append(slot.value)
            else:
                arguments.append(slot.value.value())
        return arguments

    async def rows(self, records: Any) -> Any:
        """What awaiting the query gives, from the driver's ``records``."""
        if self.finish == "dicts":
            return self.engine.transform_response_to_dicts(records) if records else []
        rows = await self.query._process_results(records)
        if self.finish == "first":
            return rows[0] if rows else None
        if self.finish == "list":
            if rows and len(rows[0]) != 1:
                raise ValueError("Each row returned more than one value")
            return [value for row in rows for value in row.values()]
        return rows
