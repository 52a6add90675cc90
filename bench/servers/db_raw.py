"""Peer: a hand-written Litestar ``@post`` route inserting one row through a raw asyncpg pool."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Litestar, post

from bench.servers.common import DSN, POOL_SIZE, RowArgs
from bench.servers.tables import INSERT_SQL, create_table_ddl

__all__ = ["create_app"]


def create_app() -> Litestar:
    """The route app; the table is created and the pool opened at startup."""
    pools: dict[str, Any] = {}

    @post("/insert", status_code=200)
    async def insert_route(data: RowArgs) -> int:
        """Insert one row, return its id."""
        new_id: int = await pools["db"].fetchval(INSERT_SQL, data.name, data.value)
        return new_id

    async def startup() -> None:
        pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
        for ddl in create_table_ddl():
            await pool.execute(ddl)
        pools["db"] = pool

    async def shutdown() -> None:
        await pools.pop("db").close()

    return Litestar(route_handlers=[insert_route], on_startup=[startup], on_shutdown=[shutdown])
