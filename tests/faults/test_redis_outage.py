"""Redis stopped under the app: each feature does what docs/deployment.md says, then recovers.

Rate limits fail closed (503), the cache computes values fresh, enqueueing a job is 503, an
action needing no Redis is untouched; once Redis is back every feature works again without a
restart. The same holds with 40 callers in flight while Redis stops and starts again. The
Redis is the test's own (redis_server.PrivateRedis), never the shared one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage.testing import ActionClient
from tests.faults import redis_outage_app as ro
from tests.unit.redis_server import PrivateRedis, private_redis

__all__ = ["private_redis"]  # fixtures used here

pytestmark = pytest.mark.redis


@pytest.fixture
async def client(
    private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ActionClient]:
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_STORAGE", "async+" + private_redis.url)
    monkeypatch.setenv("AUTHSTAGE_CACHE_URL", private_redis.url)
    app: Litestar = ro.redis_app(private_redis.url)
    async with AsyncTestClient(app) as http:
        yield ActionClient(http)


async def answers(client: ActionClient) -> dict[str, Any]:
    """Each feature's reply: (status, data or error code)."""
    out: dict[str, Any] = {}
    for name, fn in (
        ("limited", ro.limited),
        ("cached", ro.cached_number),
        ("job", ro.start_job),
        ("plain", ro.plain),
    ):
        started = time.monotonic()
        reply = await client.call(fn)
        assert time.monotonic() - started < 3, f"{name} hung"
        assert "Traceback" not in reply.text
        body = reply.json()
        out[name] = (reply.status_code, body["data"] if body["ok"] else body["error"]["code"])
        if reply.status_code == 503:
            assert int(reply.headers["retry-after"]) > 0
    return out


async def test_with_redis_stopped_each_feature_answers_as_documented_then_recovers(
    client: ActionClient, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = await answers(client)
    assert before["limited"] == (200, "counted")
    assert before["cached"] == (200, 1)
    assert before["job"][0] == 200
    private_redis.stop()
    down = await answers(client)
    assert down["limited"] == (503, "UNAVAILABLE")  # fails closed by default
    assert down["cached"][0] == 200  # computed fresh, not cached
    assert down["job"] == (503, "UNAVAILABLE")
    assert down["plain"] == (200, "no Redis needed")
    private_redis.start()
    deadline = time.monotonic() + 5
    while True:
        after = await answers(client)
        if all(status == 200 for status, _ in after.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert after["limited"] == (200, "counted")
    assert after["job"][0] == 200
    assert after["cached"][0] == 200
    # Again, with calls in flight (one Redis per test: the module's cache keeps its URL).
    await outage_under_load(client, private_redis, caplog)


async def outage_under_load(
    client: ActionClient, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """40 callers over the four features while Redis stops and starts: 200 or 503 only."""
    caplog.clear()
    features = [ro.limited, ro.cached_number, ro.start_job, ro.plain]
    replies: list[tuple[float, Any, Any]] = []
    running = True

    async def caller(n: int) -> None:
        fn = features[n % len(features)]
        while running:
            await asyncio.sleep(0)  # an in-process call may never suspend: let the others run
            replies.append((time.monotonic(), fn, await client.call(fn)))

    callers = [asyncio.create_task(caller(n)) for n in range(40)]
    try:
        await asyncio.sleep(0.5)
        stopping = time.monotonic()
        private_redis.stop()
        await asyncio.sleep(1.5)
        private_redis.start()
        started = time.monotonic()
        deadline = started + 5

        def recovered() -> bool:
            return any(
                t > started and fn is ro.start_job and r.status_code == 200 for t, fn, r in replies
            )

        while not recovered():
            assert time.monotonic() < deadline, "jobs not back within 5 s of Redis"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        running = False
        await asyncio.gather(*callers)
    assert {r.status_code for _, _, r in replies} <= {200, 503}  # never a 500
    for _, _, reply in replies:
        assert "Traceback" not in reply.text
        if reply.status_code == 503:
            assert int(reply.headers["retry-after"]) > 0
    assert all(r.status_code == 200 for _, fn, r in replies if fn in (ro.plain, ro.cached_number))
    refused = [t for t, fn, r in replies if t > stopping and r.status_code == 503]
    assert refused, "nothing was refused while Redis was down"
    back = min(
        t for t, fn, r in replies if t > started and fn is ro.start_job and r.status_code == 200
    )
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any(r.exc_info for r in noted), [r.getMessage() for r in noted if r.exc_info]
    assert len([r for r in noted if r.name == "authstage"]) <= 2  # rate limits: down, back
    print(
        f"\nredis outage under load: {len(replies)} replies, {len(refused)} x 503, first 503 "
        f"{refused[0] - stopping:.2f} s after the stop began, jobs back {back - started:.2f} s "
        "after Redis was"
    )
