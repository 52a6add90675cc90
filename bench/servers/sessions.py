"""What both signed-in peers share: the bench user, its session, the reply and the pool.

The runner calls ``create_session()`` before any server starts: it creates the auth tables if
needed, the bench user if missing, revokes that user's earlier sessions and starts a new one,
whose token it exports in ``BENCH_SESSION_TOKEN`` (the servers inherit the environment) and
sends as the ``authstage_session`` cookie. Both peers read the session with the same
``SessionManager.lookup`` (one query, the session joined with its user by token hash) and the
same sliding-expiry settings (``AuthConfig``'s defaults: at most one write per 5 minutes).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from authstage.auth.sessions import SessionManager
from authstage.auth.tables import Session, User
from authstage.db import create_engine
from bench.servers.common import DSN, POOL_SIZE

__all__ = [
    "COOKIE",
    "TOKEN_ENV",
    "USER_EMAIL",
    "USER_NAME",
    "Me",
    "bind_tables",
    "create_session",
    "pool_hooks",
]

#: The environment variable carrying the bench session's token from the runner.
TOKEN_ENV = "BENCH_SESSION_TOKEN"
#: The session cookie (``AuthConfig``'s default name outside production).
COOKIE = "authstage_session"
USER_EMAIL = "bench@example.com"
USER_NAME = "Bench User"


class Me(msgspec.Struct):
    """The reply of both signed-in peers: who is signed in."""

    id: int
    name: str


def bind_tables(engine: Engine[Any]) -> None:
    """Put the auth tables on ``engine``."""
    User._meta.db = engine
    Session._meta.db = engine


def pool_hooks() -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """``(startup, shutdown)``: bind the auth tables to a PostgreSQL engine on ``DSN``, create
    them if needed and open (close) a pool of ``POOL_SIZE`` connections."""
    engine = create_engine(DSN)
    assert isinstance(engine, PostgresEngine)
    bind_tables(engine)

    async def startup() -> None:
        await User.create_table(if_not_exists=True)
        await Session.create_table(if_not_exists=True)
        await engine.start_connection_pool(min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def shutdown() -> None:
        await engine.close_connection_pool()

    return startup, shutdown


async def create_session() -> str:
    """A fresh session of the bench user (created if missing); returns its token."""
    bind_tables(create_engine(DSN))  # no pool: one connection per query
    await User.create_table(if_not_exists=True)
    await Session.create_table(if_not_exists=True)
    row = await User.select(User.id).where(User.email == USER_EMAIL).first()
    if row is None:
        inserted = await User.insert(
            User(email=USER_EMAIL, name=USER_NAME, password_hash="!")  # no password: no login
        )
        user_id: int = inserted[0]["id"]
    else:
        user_id = row["id"]
    manager = SessionManager()
    await manager.revoke_all(user_id)
    token = await manager.create(user_id, user_agent="bench")
    os.environ[TOKEN_ENV] = token
    return token
