"""Peer: a FastAPI ``@app.post`` route inserting one row through an asyncpg pool.

The pool is opened in the app's lifespan and handed to the route by a ``Depends`` dependency,
as FastAPI's documentation writes it; the statement is the other insert peers' ``INSERT_SQL``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field

from bench.servers.common import DSN, POOL_SIZE
from bench.servers.tables import INSERT_SQL, create_table_ddl

__all__ = ["create_app"]


class RowArgs(BaseModel):
    """``{"name": str, "value": int}`` with the columns' limits, like ``common.RowArgs``."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=100)]
    value: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create the table if needed and hold a pool of ``POOL_SIZE`` connections."""
    pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
    for ddl in create_table_ddl():
        await pool.execute(ddl)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


def _pool(request: Request) -> asyncpg.Pool:
    """The app's asyncpg pool."""
    return request.app.state.pool


def create_app() -> FastAPI:
    """The route app; the table is created and the pool opened in its lifespan."""
    app = FastAPI(lifespan=_lifespan)

    @app.post("/insert")
    async def insert_route(row: RowArgs, pool: Annotated[asyncpg.Pool, Depends(_pool)]) -> int:
        """Insert one row, return its id."""
        new_id: int = await pool.fetchval(INSERT_SQL, row.name, row.value)
        return new_id

    return app
