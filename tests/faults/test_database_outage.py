"""PostgreSQL stopped under the app: 503 with Retry-After, two log lines, recovery by itself.

The app runs on its own private PostgreSQL cluster (postgres_server.py), which the tests stop
and start; the machine's shared server is never touched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions import demo, notes
from actions.app import create_app
from authstage.appstate import endpoint_of
from authstage.auth import AuthConfig
from authstage.db import Database
from authstage.engines import Postgres
from authstage.outage import DATABASE
from tests.conftest import FAST_HASHER, TEST_SECRET, run_sync
from tests.faults.postgres_server import PrivatePostgres, private_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as pg:
        run_sync(Database(pg.url).migrate(quiet=True))
        yield pg


@pytest.fixture
def app(server: PrivatePostgres) -> Litestar:
    return create_app(
        database_url=server.url,
        auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
        secret=TEST_SECRET,
        production=False,
        debug=False,
    )


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


async def call(client: Any, app: Litestar, fn: Any, args: dict[str, Any]) -> Any:
    ident = endpoint_of(app).registry.id_of(fn)
    return await client.post("/_action", json=args, headers={"authstage-action": ident}, timeout=30)


def note(title: str) -> dict[str, Any]:
    return {"data": {"title": title}}


async def test_a_stopped_database_is_503_with_retry_after_and_the_app_recovers_by_itself(
    client: Any, app: Litestar, server: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await call(client, app, notes.create_note, note("before"))).status_code == 200
    caplog.set_level(logging.INFO, logger="authstage")
    refused_before = DATABASE.refused
    server.stop()
    try:
        started = time.monotonic()
        replies = [await call(client, app, notes.create_note, note(f"down {i}")) for i in range(20)]
        elapsed = time.monotonic() - started
        for reply in replies:
            assert reply.status_code == 503, reply.text
            assert reply.headers["retry-after"] == "2"
            assert reply.json()["error"]["code"] == "UNAVAILABLE"
            assert "Traceback" not in reply.text
        assert elapsed < 10  # 20 calls answered at once, none waited for a timeout
        # A call that does not need the database keeps working.
        added = await call(client, app, demo.add, {"a": 2, "b": 3})
        assert (added.status_code, added.json()["data"]) == (200, 5)
    finally:
        server.start()
    # Recovery: the pool reconnects on its own within 5 s of the server's return.
    deadline = time.monotonic() + 5
    while True:
        reply = await call(client, app, notes.create_note, note("after"))
        if reply.status_code == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert reply.status_code == 200, reply.text
    assert DATABASE.refused - refused_before >= 20
    lines = [r for r in caplog.records if r.name == "authstage"]
    down = [r for r in lines if r.getMessage().startswith("database unavailable")]
    back = [r for r in lines if r.getMessage().startswith("database is back")]
    assert len(down) == 1, [r.getMessage() for r in lines]  # one line per state change
    assert len(back) == 1
    assert not any(r.exc_info for r in lines)  # no traceback for an outage


async def test_a_write_whose_connection_cannot_be_released_is_still_reported_done(
    server: PrivatePostgres,
) -> None:
    # asyncpg runs the pool's `reset` when a connection is handed back; one that raises is a
    # release failing after the work committed (as when the server goes away at that moment).
    async def failing_reset(connection: Any) -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    engine = Postgres(config={"dsn": server.url})
    await engine.start_connection_pool(min_size=1, max_size=2, reset=failing_reset)
    try:
        await engine.run_ddl("CREATE TABLE IF NOT EXISTS released (v int)")
        await engine._run_in_pool("INSERT INTO released VALUES (1)")  # no error raised
        async with engine.transaction():  # its COMMIT stands, and the release fails after it
            await engine.run_ddl("INSERT INTO released VALUES (2)")
        rows = await engine._run_in_pool("SELECT v FROM released ORDER BY v")
        assert [row["v"] for row in rows] == [1, 2]
    finally:
        await engine.close_connection_pool()
