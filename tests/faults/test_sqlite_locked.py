"""SQLite locked by a long write of another connection: a writer waits out the busy timeout,
then gets ``503 UNAVAILABLE`` with ``Retry-After`` (never a 500), and writes again once the
lock is gone. Reads are not blocked (WAL)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions import notes
from actions.app import create_app
from authstage.appstate import endpoint_of
from authstage.auth import AuthConfig
from authstage.db import Database
from tests.conftest import FAST_HASHER, TEST_SECRET

#: sqlite3's busy timeout, which Piccolo's engine keeps.
BUSY_TIMEOUT = 5.0


@pytest.fixture
async def app(tmp_path: Path) -> tuple[Litestar, Path]:
    path = tmp_path / "locked.sqlite"
    await Database(f"sqlite:///{path}").migrate(quiet=True)
    return (
        create_app(
            database_url=f"sqlite:///{path}",
            auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
            secret=TEST_SECRET,
            production=False,
            debug=False,
            seed=None,
        ),
        path,
    )


async def create(client: Any, app: Litestar, title: str) -> Any:
    ident = endpoint_of(app).registry.id_of(notes.create_note)
    body = {"data": {"title": title}}
    return await client.post("/_action", json=body, headers={"authstage-action": ident}, timeout=30)


async def test_a_writer_blocked_by_a_long_write_gets_503_after_the_busy_timeout(
    app: tuple[Litestar, Path],
) -> None:
    litestar_app, path = app
    async with AsyncTestClient(litestar_app) as client:
        assert (await create(client, litestar_app, "before")).status_code == 200
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
            started = time.monotonic()
            reply = await create(client, litestar_app, "blocked")
            waited = time.monotonic() - started
            assert reply.status_code == 503, reply.text
            assert reply.json()["error"]["code"] == "UNAVAILABLE"
            assert reply.headers["retry-after"] == "2"
            assert "Traceback" not in reply.text
            assert BUSY_TIMEOUT - 0.5 < waited < BUSY_TIMEOUT + 1.0
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert (await create(client, litestar_app, "after")).status_code == 200
