"""Peer: an action inserting one row with the ORM's insert, compiled once (``@compiled``).

The query is the ORM peer's, ``BenchRow.insert(BenchRow(name=..., value=...))``, written in a
function whose parameters are the values; it is compiled to SQL on the first call and every call
after that sends the statement through the same pooled ``PostgresEngine``.
"""

from __future__ import annotations

from litestar import Litestar
from piccolo.query.methods.insert import Insert

from authstage import action, compiled
from bench.servers.common import Int32, Name
from bench.servers.db_authstage import piccolo_action_app
from bench.servers.tables import BenchRow

__all__ = ["create_app", "insert_row_compiled"]


@compiled
def _insert(name: str, value: int) -> Insert[BenchRow]:
    return BenchRow.insert(BenchRow(name=name, value=value))


@action(public=True, name="bench.insert_row_compiled")
async def insert_row_compiled(name: Name, value: Int32) -> int:
    """Insert one row, return its id."""
    inserted = await _insert(name=name, value=value)
    new_id: int = inserted[0]["id"]
    return new_id


def create_app() -> Litestar:
    """The compiled ORM action's app, set up exactly as the ORM peer's."""
    return piccolo_action_app(insert_row_compiled)
