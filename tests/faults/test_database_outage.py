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


class Load:
    """``width`` callers in a loop, half writing a note (needs the database), half adding two
    numbers (needs nothing); every reply kept with the moment it came back."""

    def __init__(self, client: Any, app: Litestar, width: int) -> None:
        self.client, self.app, self.width = client, app, width
        self.replies: list[tuple[float, str, Any]] = []
        self.running = True

    async def caller(self, n: int) -> None:
        while self.running:
            await asyncio.sleep(0)  # an in-process call may never suspend: let the others run
            if n % 2:
                reply = await call(self.client, self.app, demo.add, {"a": 2, "b": 3})
                self.replies.append((time.monotonic(), "add", reply))
            else:
                reply = await call(self.client, self.app, notes.create_note, note(f"load {n}"))
                self.replies.append((time.monotonic(), "note", reply))

    def after(self, moment: float, kind: str) -> list[tuple[float, Any]]:
        return [(t, r) for t, k, r in self.replies if k == kind and t >= moment]


async def test_under_load_a_stopped_database_is_503_at_once_and_recovers_within_5_s(
    client: Any, app: Litestar, server: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authstage")
    load = Load(client, app, width=50)
    callers = [asyncio.create_task(load.caller(n)) for n in range(load.width)]
    try:
        await asyncio.sleep(1.0)  # 50 calls in flight when the server goes
        stopping = time.monotonic()
        server.stop()  # blocks the loop a moment: the calls in flight wait, then find it gone
        await asyncio.sleep(2.0)
        restarting = time.monotonic()
        server.start()
        started = time.monotonic()
        deadline = started + 5
        while not any(r.status_code == 200 for _, r in load.after(started, "note")):
            assert time.monotonic() < deadline, "no write succeeded within 5 s of the restart"
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # and the load goes on after the recovery
    finally:
        load.running = False
        await asyncio.gather(*callers)
    statuses = [r.status_code for _, _, r in load.replies]
    assert set(statuses) <= {200, 503}, sorted(set(statuses))  # never a 500
    for _, _, reply in load.replies:
        assert "Traceback" not in reply.text
        if reply.status_code == 503:
            assert reply.json()["error"]["code"] == "UNAVAILABLE"
            assert reply.headers["retry-after"] == "2"
    assert all(r.status_code == 200 for _, r in load.after(0, "add"))  # no database needed
    refused = [t for t, r in load.after(stopping, "note") if r.status_code == 503]
    assert refused, "nothing was refused while the database was down"
    first_refusal = refused[0] - stopping
    recovered = min(t for t, r in load.after(started, "note") if r.status_code == 200) - started
    assert first_refusal < 5
    assert recovered < 5
    late = [t for t, r in load.after(started + recovered + 1, "note") if r.status_code != 200]
    assert not late, f"{len(late)} writes refused a second after the recovery"
    lines = [r for r in caplog.records if r.name == "authstage"]
    assert len(lines) <= 2, [r.getMessage() for r in lines]  # one down, one back
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any(r.exc_info for r in noted), [r.getMessage() for r in noted if r.exc_info]
    downtime = restarting - stopping
    print(  # the figures for the closing note (pytest -s shows them)
        f"\ndatabase outage under load: {len(load.replies)} replies, {len(refused)} x 503, "
        f"first 503 {first_refusal:.2f} s after the stop began, server down {downtime:.1f} s, "
        f"first write {recovered:.2f} s after the server was back"
    )
