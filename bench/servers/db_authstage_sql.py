"""Peer: an action inserting one row with SQL written by hand, through Piccolo's engine and pool.

``BenchRow.raw(...)`` skips the ORM's query building: Piccolo only numbers the placeholders and
sends the statement through the same pooled ``PostgresEngine`` as the ORM peer.
"""

from __future__ import annotations

from litestar import Litestar
from piccolo.engine.postgres import PostgresEngine

from authstage import AuthstageConfig, AuthstagePlugin, action
from bench.servers.common import DSN, POOL_SIZE, SECRET, Int32, Name
from bench.servers.tables import INSERT_SQL_PICCOLO, BenchRow

__all__ = ["create_app", "insert_row_sql"]


@action(public=True, name="bench.insert_row_sql")
async def insert_row_sql(name: Name, value: Int32) -> int:
    """Insert one row, return its id."""
    inserted = await BenchRow.raw(INSERT_SQL_PICCOLO, name, value)
    new_id: int = inserted[0]["id"]
    return new_id


def create_app() -> Litestar:
    """The action app; the table is created and the pool opened at startup."""
    engine = PostgresEngine(config={"dsn": DSN})
    BenchRow._meta.db = engine

    async def startup() -> None:
        await BenchRow.create_table(if_not_exists=True)
        await engine.start_connection_pool(min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def shutdown() -> None:
        await engine.close_connection_pool()

    plugin = AuthstagePlugin(AuthstageConfig(actions=[insert_row_sql], secret=SECRET))
    return Litestar(plugins=[plugin], on_startup=[startup], on_shutdown=[shutdown])
