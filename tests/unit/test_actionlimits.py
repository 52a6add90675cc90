"""Rate limits per action: keys, counters, batches, two instances over Redis, Redis failing."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, ConfigurationError, RateLimit, RegistrationError, action
from authstage.appstate import endpoint_of
from authstage.testing import ActionClient
from tests.live_server import free_port
from tests.unit import limit_actions as la
from tests.unit.conftest import SECRET
from tests.unit.redis_server import (
    PrivateRedis,
    delete_namespace,
    private_redis,
    require_redis,
)

__all__ = ["private_redis"]  # fixtures used here

REDIS = "async+redis://127.0.0.1:6379/0"


def build(**config: Any) -> Litestar:
    plugin = AuthstagePlugin(
        actions=[la], secret=SECRET, production=False, authenticate=la.authenticate, **config
    )
    return Litestar(plugins=[plugin])


@pytest.fixture
def redis_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Apps built in the test count on the shared Redis, under a key prefix of this test's own
    (its keys deleted afterwards; never FLUSHALL)."""
    client = require_redis()
    prefix = f"test-limits-{secrets.token_hex(4)}"
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_STORAGE", REDIS)
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_PREFIX", prefix)
    try:
        yield prefix
    finally:
        delete_namespace(client, prefix)
        client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The limiter's storage for apps built in the test: memory, or the shared Redis."""
    la.RAN.clear()
    if request.param == "memory":
        monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_STORAGE", "async+memory://")
    else:
        request.getfixturevalue("redis_limits")
    return str(request.param)


@pytest.fixture
async def client(storage: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(build()) as test_client:
        yield test_client


class FromIP:
    """Calls to ``app`` (already started) whose requests come from ``ip``."""

    def __init__(self, app: Litestar, ip: str) -> None:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))  # type: ignore[arg-type]
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        self.registry = endpoint_of(app).registry

    async def call(self, fn: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(
            "/_action",
            content=b"{}",
            headers={
                "authstage-action": self.registry.id_of(fn),
                "content-type": "application/json",
                **(headers or {}),
            },
        )


def test_a_rule_that_cannot_be_parsed_is_a_registration_error() -> None:
    with pytest.raises(RegistrationError, match="'often' is not a rule"):

        @action(rate_limit="often")
        async def often() -> None: ...

    options: Any = {"rate_limit": 5}
    with pytest.raises(RegistrationError, match="a rule string or a RateLimit"):
        action(**options)(la.report)

    with pytest.raises(RegistrationError, match="is not a rule"):
        RateLimit("5 per fortnight")


async def test_calls_over_the_limit_answer_429_with_the_seconds_until_the_window_frees(
    client: AsyncTestClient[Litestar],
) -> None:
    actions = ActionClient(client)
    for _ in range(2):
        assert (await actions.call(la.report)).status_code == 200
    started = time.time()
    refused = await actions.call(la.report)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "RATE_LIMITED"
    retry_after = int(refused.headers["retry-after"])
    assert 55 <= retry_after <= 60  # the first call leaves the one-minute window then
    assert error["retryAfter"] == retry_after
    assert time.time() - started < 1
    assert la.RAN == ["report", "report"]  # the refused call ran nothing


async def test_two_actions_never_share_a_counter(client: AsyncTestClient[Litestar]) -> None:
    actions = ActionClient(client)
    for _ in range(2):
        assert (await actions.call(la.report)).status_code == 200
    assert (await actions.call(la.report)).status_code == 429
    assert (await actions.call(la.summary)).status_code == 200  # same rule, own counter


async def test_signed_in_callers_count_per_user_and_signed_out_ones_per_ip(storage: str) -> None:
    app = build()
    async with app.lifespan():  # on this loop: the clients below call it from here
        await _per_user_and_ip(app)


async def _per_user_and_ip(app: Litestar) -> None:
    here, there = FromIP(app, "203.0.113.1"), FromIP(app, "203.0.113.2")
    for _ in range(2):
        assert (await here.call(la.report, headers={"x-user": "1"})).status_code == 200
    assert (await here.call(la.report, headers={"x-user": "1"})).status_code == 429
    assert (await there.call(la.report, headers={"x-user": "1"})).status_code == 429  # same user
    assert (await here.call(la.report, headers={"x-user": "2"})).status_code == 200  # other user
    for _ in range(2):  # signed out: this IP has its own counter
        assert (await here.call(la.report)).status_code == 200
    assert (await here.call(la.report)).status_code == 429
    assert (await there.call(la.report)).status_code == 200  # another IP


async def test_a_signed_in_only_action_is_limited_per_user(
    client: AsyncTestClient[Litestar],
) -> None:
    actions = ActionClient(client)
    assert (await actions.call(la.private_report)).status_code == 401  # auth comes first
    assert (await actions.call(la.private_report, headers={"x-user": "7"})).status_code == 200
    refused = await actions.call(la.private_report, headers={"x-user": "7"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 10


async def test_a_custom_key_function_names_who_is_counted(
    client: AsyncTestClient[Litestar],
) -> None:
    actions = ActionClient(client)
    red = {"x-team": "red", "x-user": "1"}
    assert (await actions.call(la.team_export, headers=red)).status_code == 200
    other_member = {"x-team": "red", "x-user": "2"}
    assert (await actions.call(la.team_export, headers=other_member)).status_code == 429
    assert (await actions.call(la.team_export, headers={"x-team": "blue"})).status_code == 200


async def test_each_call_of_a_batch_counts(client: AsyncTestClient[Litestar]) -> None:
    report_id = ActionClient(client).id_of(la.report)
    body = msgspec.json.encode({"calls": [{"action": report_id}] * 3})
    response = await client.post(
        "/_action",
        content=body,
        headers={"content-type": "application/json", "authstage-batch": "1"},
    )
    results = response.json()["results"]
    assert [r["ok"] for r in results].count(True) == 2
    assert [r["error"]["code"] for r in results if not r["ok"]] == ["RATE_LIMITED"]


@pytest.mark.redis
async def test_two_instances_over_one_redis_share_a_limit(redis_limits: str) -> None:
    async with AsyncTestClient(build()) as one, AsyncTestClient(build()) as two:
        first, second = ActionClient(one), ActionClient(two)
        assert (await first.call(la.report)).status_code == 200
        assert (await second.call(la.report)).status_code == 200
        assert (await first.call(la.report)).status_code == 429
        assert (await second.call(la.report)).status_code == 429


@pytest.mark.redis
async def test_redis_gone_mid_request_answers_503_within_the_timeout_and_recovers(
    private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_STORAGE", "async+" + private_redis.url)
    async with AsyncTestClient(build()) as test_client:
        actions = ActionClient(test_client)
        assert (await actions.call(la.summary)).status_code == 200
        stall = private_redis.stall(3)  # a server that accepts and does not answer
        await asyncio.sleep(0.2)
        started = time.monotonic()
        stalled = await actions.call(la.summary)
        assert time.monotonic() - started < 1.5
        assert stalled.status_code == 503
        stall.wait(5)
        private_redis.stop()  # a server that is gone
        started = time.monotonic()
        response = await actions.call(la.summary)
        assert time.monotonic() - started < 1.5
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "UNAVAILABLE"
        assert response.headers["retry-after"] == "5"
        assert la.RAN.count("summary") == 1  # fails closed: the limited action did not run
        private_redis.start()  # back: counted again, with no restart of the app
        assert (await actions.call(la.summary)).status_code == 200


async def test_unreachable_redis_at_startup_is_one_configuration_error_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"async+redis://:hunter2@127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMIT_STORAGE", url)
    with pytest.RaisesGroup(
        pytest.RaisesExc(ConfigurationError, match="rate limits: cannot reach Redis")
    ) as info:
        async with AsyncTestClient(build()):
            pass
    message = str(info.value.exceptions[0])
    assert "\n" not in message
    assert "hunter2" not in message
