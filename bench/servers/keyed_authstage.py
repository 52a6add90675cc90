"""Peers: actions reading one row by its key and updating one row by its key, both ``@compiled``.

The queries are ORM code, ``BenchKeyed.select().where(BenchKeyed.id == row_id).first()`` and
``BenchKeyed.update({BenchKeyed.value: value}).where(BenchKeyed.id == row_id)``, compiled to
SQL on the first call and then sent with new values through Piccolo's pooled ``PostgresEngine``
(set up exactly as the insert peers' engine). One app serves both actions; each peer calls one.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Litestar
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.methods.select import First
from piccolo.query.methods.update import Update

from authstage import AuthstageConfig, AuthstagePlugin, action, compiled, not_found
from bench.servers.common import DSN, POOL_SIZE, SECRET, Int32
from bench.servers.tables import KEYED_ROWS, BenchKeyed, create_table_ddl

__all__ = ["KeyedRow", "RowKey", "create_app", "get_row", "set_value"]

#: A key of ``BenchKeyed``.
RowKey = Annotated[int, msgspec.Meta(ge=1, le=KEYED_ROWS)]


class KeyedRow(msgspec.Struct):
    """One row as both select peers return it."""

    id: int
    name: str
    value: int


@compiled
def _by_key(row_id: int) -> First:
    return BenchKeyed.select().where(BenchKeyed.id == row_id).first()


@compiled
def _set_value(row_id: int, value: int) -> Update[BenchKeyed]:
    return BenchKeyed.update({BenchKeyed.value: value}).where(BenchKeyed.id == row_id)


@action(public=True, name="bench.get_row")
async def get_row(row_id: RowKey) -> KeyedRow:
    """The row with this key."""
    row = await _by_key(row_id=row_id)
    if row is None:
        raise not_found("No such row")
    return KeyedRow(id=row["id"], name=row["name"], value=row["value"])


@action(public=True, name="bench.set_value")
async def set_value(row_id: RowKey, value: Int32) -> int:
    """Set the row's value; returns its key."""
    await _set_value(row_id=row_id, value=value)
    return row_id


def create_app() -> Litestar:
    """Both keyed actions; the tables are made and the pool opened at startup."""
    engine = PostgresEngine(config={"dsn": DSN})
    BenchKeyed._meta.db = engine

    async def startup() -> None:
        await engine.start_connection_pool(min_size=POOL_SIZE, max_size=POOL_SIZE)
        for ddl in create_table_ddl():
            await engine.run_ddl(ddl)

    async def shutdown() -> None:
        await engine.close_connection_pool()

    plugin = AuthstagePlugin(AuthstageConfig(actions=[get_row, set_value], secret=SECRET))
    return Litestar(plugins=[plugin], on_startup=[startup], on_shutdown=[shutdown])
