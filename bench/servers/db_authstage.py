"""Peer: an action inserting one row through Piccolo's ``PostgresEngine`` (pooled)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar
from piccolo.engine.postgres import PostgresEngine

from authstage import AuthstageConfig, AuthstagePlugin, action
from bench.servers.common import DSN, POOL_SIZE, SECRET, Int32, Name
from bench.servers.tables import BenchKeyed, BenchRow, create_table_ddl

__all__ = ["create_app", "insert_row", "piccolo_action_app"]


@action(public=True, name="bench.insert_row")
async def insert_row(name: Name, value: Int32) -> int:
    """Insert one row, return its id."""
    inserted = await BenchRow.insert(BenchRow(name=name, value=value))
    new_id: int = inserted[0]["id"]
    return new_id


def piccolo_action_app(*fns: Callable[..., Any]) -> Litestar:
    """An app serving the actions ``fns`` on Piccolo's pooled engine, which both benchmark tables
    are bound to; the tables are made and the pool opened at startup."""
    engine = PostgresEngine(config={"dsn": DSN})
    BenchRow._meta.db = BenchKeyed._meta.db = engine

    async def startup() -> None:
        await engine.start_connection_pool(min_size=POOL_SIZE, max_size=POOL_SIZE)
        for ddl in create_table_ddl():
            await engine.run_ddl(ddl)

    async def shutdown() -> None:
        await engine.close_connection_pool()

    plugin = AuthstagePlugin(AuthstageConfig(actions=fns, secret=SECRET))
    return Litestar(plugins=[plugin], on_startup=[startup], on_shutdown=[shutdown])


def create_app() -> Litestar:
    """The ORM action's app."""
    return piccolo_action_app(insert_row)
