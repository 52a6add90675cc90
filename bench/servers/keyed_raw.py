"""Peers: hand-written Litestar ``@post`` routes reading and updating one row by its key through a
raw asyncpg pool, with the statements Piccolo sends for the keyed actions (tables.py)."""

from __future__ import annotations

import msgspec
from litestar import Litestar, post

from bench.servers.common import Int32
from bench.servers.db_raw import RawPool
from bench.servers.keyed_authstage import KeyedRow, RowKey
from bench.servers.tables import SELECT_KEYED_SQL, UPDATE_KEYED_SQL

__all__ = ["KeyArgs", "SetArgs", "create_app"]


class KeyArgs(msgspec.Struct, forbid_unknown_fields=True):
    """``{"row_id": int}``."""

    row_id: RowKey


class SetArgs(msgspec.Struct, forbid_unknown_fields=True):
    """``{"row_id": int, "value": int}``."""

    row_id: RowKey
    value: Int32


def create_app() -> Litestar:
    """Both routes; the tables are made and the pool opened at startup."""
    db = RawPool()

    @post("/get", status_code=200)
    async def get_route(data: KeyArgs) -> KeyedRow:
        """The row with this key."""
        row = await db.pool.fetchrow(SELECT_KEYED_SQL, data.row_id)
        return KeyedRow(id=row["id"], name=row["name"], value=row["value"])

    @post("/set", status_code=200)
    async def set_route(data: SetArgs) -> int:
        """Set the row's value; returns its key."""
        await db.pool.execute(UPDATE_KEYED_SQL, data.value, data.row_id)
        return data.row_id

    return Litestar(
        route_handlers=[get_route, set_route], on_startup=[db.startup], on_shutdown=[db.shutdown]
    )
