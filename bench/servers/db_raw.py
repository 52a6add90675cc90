"""Peer: a hand-written Litestar ``@post`` route inserting one row through a raw asyncpg pool.

``RawPool`` is that pool's life, shared with the keyed routes (keyed_raw.py): opened at startup
with the benchmark tables made, closed at shutdown.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Litestar, post

from bench.servers.common import DSN, POOL_SIZE, RowArgs
from bench.servers.tables import INSERT_SQL, create_table_ddl

__all__ = ["RawPool", "create_app"]


class RawPool:
    """A raw asyncpg pool of ``POOL_SIZE`` connections on ``DSN``, for an app's hooks."""

    def __init__(self) -> None:
        self.pool: Any = None

    async def startup(self) -> None:
        """Open the pool and make the benchmark tables (if missing)."""
        pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
        for ddl in create_table_ddl():
            await pool.execute(ddl)
        self.pool = pool

    async def shutdown(self) -> None:
        """Close the pool."""
        pool, self.pool = self.pool, None
        await pool.close()


def create_app() -> Litestar:
    """The route app; the table is created and the pool opened at startup."""
    db = RawPool()

    @post("/insert", status_code=200)
    async def insert_route(data: RowArgs) -> int:
        """Insert one row, return its id."""
        new_id: int = await db.pool.fetchval(INSERT_SQL, data.name, data.value)
        return new_id

    return Litestar(
        route_handlers=[insert_route], on_startup=[db.startup], on_shutdown=[db.shutdown]
    )
