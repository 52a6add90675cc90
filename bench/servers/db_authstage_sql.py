"""Peer: an action inserting one row with SQL written by hand, through Piccolo's engine and pool.

``BenchRow.raw(...)`` skips the ORM's query building: Piccolo only numbers the placeholders and
sends the statement through the same pooled ``PostgresEngine`` as the ORM peer.
"""

from __future__ import annotations

from litestar import Litestar

from authstage import action
from bench.servers.common import Int32, Name
from bench.servers.db_authstage import piccolo_action_app
from bench.servers.tables import INSERT_SQL_PICCOLO, BenchRow

__all__ = ["create_app", "insert_row_sql"]


@action(public=True, name="bench.insert_row_sql")
async def insert_row_sql(name: Name, value: Int32) -> int:
    """Insert one row, return its id."""
    inserted = await BenchRow.raw(INSERT_SQL_PICCOLO, name, value)
    new_id: int = inserted[0]["id"]
    return new_id


def create_app() -> Litestar:
    """The raw-SQL action's app, set up exactly as the ORM peer's."""
    return piccolo_action_app(insert_row_sql)
