"""A client that goes away cancels the server's work (single calls, idempotent calls, batches).

The endpoint is driven directly as an ASGI app: ``receive`` hands over the body, then reports
``http.disconnect`` after a delay, as uvicorn does when the connection closes. (The live-server
version of this, through the generated client, is in tests/integration.)
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec
from litestar import Litestar

from authstage.appstate import endpoint_of
from authstage.disconnect import DisconnectWatch, until_disconnect
from tests.unit import protocol_actions as pa


def scope(app: Litestar, headers: dict[str, str]) -> dict[str, Any]:
    raw = [
        (k.encode(), v.encode()) for k, v in {"content-type": "application/json", **headers}.items()
    ]
    return {"type": "http", "method": "POST", "path": "/_action", "headers": raw, "app": app}


class Connection:
    """An ASGI peer that sends ``body`` and hangs up after ``after`` seconds."""

    def __init__(self, body: bytes, after: float | None) -> None:
        self.messages: list[dict[str, Any]] = [
            {"type": "http.request", "body": body, "more_body": False}
        ]
        self.after = after
        self.sent: list[Any] = []

    async def receive(self) -> dict[str, Any]:
        if self.messages:
            return self.messages.pop(0)
        if self.after is None:
            await asyncio.Event().wait()  # never hangs up
        await asyncio.sleep(self.after or 0)
        return {"type": "http.disconnect"}

    async def send(self, event: Any) -> None:
        self.sent.append(event)


async def run(app: Litestar, headers: dict[str, str], body: Any, after: float | None) -> Connection:
    endpoint: Any = endpoint_of(app)  # driven as the raw ASGI app
    peer = Connection(msgspec.json.encode(body), after)
    await endpoint(scope(app, headers), peer.receive, peer.send)
    return peer


def action(app: Litestar, fn: Any) -> dict[str, str]:
    return {"authstage-action": endpoint_of(app).registry.id_of(fn)}


async def test_a_disconnect_cancels_the_running_action() -> None:
    app = pa.protocol_app()
    peer = await run(app, action(app, pa.slow), {"tag": "gone", "seconds": 0.5}, after=0.1)
    await asyncio.sleep(0.6)  # longer than the action would have taken
    assert pa.CALLS["gone"] == 1  # it started...
    assert "gone" not in pa.FINISHED  # ...and never finished
    assert peer.sent == []  # nobody to answer


async def test_a_client_gone_before_the_watch_starts_is_still_noticed() -> None:
    app = pa.protocol_app()
    await run(app, action(app, pa.slow), {"tag": "early", "seconds": 0.4}, after=0)
    await asyncio.sleep(0.5)
    assert "early" not in pa.FINISHED


async def test_a_client_that_stays_gets_its_answer() -> None:
    app = pa.protocol_app()
    peer = await run(app, action(app, pa.slow), {"tag": "stay", "seconds": 0.1}, after=None)
    assert "stay" in pa.FINISHED
    assert peer.sent[0]["status"] == 200


async def test_a_disconnect_cancels_every_call_of_a_batch() -> None:
    app = pa.protocol_app()
    calls = [
        {
            "action": action(app, pa.slow)["authstage-action"],
            "args": {"tag": f"b{i}", "seconds": 0.5},
        }
        for i in range(3)
    ]
    peer = await run(app, {"authstage-batch": "1"}, {"calls": calls}, after=0.1)
    await asyncio.sleep(0.6)
    assert sum(pa.CALLS.values()) == 3
    assert not pa.FINISHED
    assert peer.sent == []


async def test_a_cancelled_idempotent_call_releases_its_key() -> None:
    app = pa.protocol_app()
    headers = {**action(app, pa.slow), "idempotency-key": "retry-me"}
    await run(app, headers, {"tag": "k", "seconds": 0.3}, after=0.1)
    assert "k" not in pa.FINISHED
    retry = await run(app, headers, {"tag": "k", "seconds": 0.3}, after=None)
    assert retry.sent[0]["status"] == 200  # nothing was recorded: the retry runs, to its end
    assert "k" in pa.FINISHED
    assert pa.CALLS["k"] == 2


async def test_an_action_that_never_waits_starts_no_watcher() -> None:
    async def instant() -> int:
        return 7

    async def never() -> dict[str, Any]:
        raise AssertionError("receive() must not be called")

    before = len(asyncio.all_tasks())
    assert await until_disconnect(never, instant()) == 7  # type: ignore[arg-type]
    assert len(asyncio.all_tasks()) == before


async def test_the_server_cancelling_the_task_still_cancels_it() -> None:
    async def never() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def work() -> None:
        with DisconnectWatch(never):  # type: ignore[arg-type]
            await asyncio.sleep(10)

    task = asyncio.create_task(work())
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
