"""Redis stopped under the app: each feature does what docs/deployment.md says, then recovers.

Rate limits fail closed (503), the cache computes values fresh, enqueueing a job is 503, an
action needing no Redis is untouched; once Redis is back every feature works again without a
restart. The Redis is the test's own (redis_server.PrivateRedis), never the shared one.
"""

from __future__ import annotations

import asyncio
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
    client: ActionClient, private_redis: PrivateRedis
) -> None:
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
