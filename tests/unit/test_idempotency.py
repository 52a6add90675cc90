"""Idempotency keys: a repeated key replays the first reply and the action runs once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.stores.redis import RedisStore
from litestar.testing import AsyncTestClient

from authstage.appstate import endpoint_of
from tests.unit import protocol_actions as pa
from tests.unit import sample_actions as sa
from tests.unit.conftest import REDIS_URL, build_app
from tests.unit.imagefiles import PNG


@pytest.fixture
def app() -> Litestar:
    return pa.protocol_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


async def call(client: Any, fn: Any, key: str | None = None, **args: Any) -> Any:
    headers = {
        "authstage-action": endpoint_of(client.app).registry.id_of(fn),
        "content-type": "application/json",
    }
    if key is not None:
        headers["idempotency-key"] = key
    return await client.post("/_action", content=msgspec.json.encode(args), headers=headers)


async def test_a_repeated_key_replays_the_first_reply_without_running_again(client: Any) -> None:
    first = await call(client, pa.bump, "k1", tag="t")
    second = await call(client, pa.bump, "k1", tag="t")
    assert (
        first.json()
        == second.json()
        == {
            "ok": True,
            "data": 1,
            "revalidate": {"paths": [], "tags": ["counters"]},
        }
    )
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert pa.CALLS["t"] == 1
    assert (await call(client, pa.bump, tag="t")).json()["data"] == 2  # no key: runs


async def test_the_same_key_with_other_arguments_is_refused(client: Any) -> None:
    await call(client, pa.bump, "k2", tag="t")
    response = await call(client, pa.bump, "k2", tag="t", by=5)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION"
    assert error["formErrors"] == ["This idempotency key was already used with other arguments"]
    assert pa.CALLS["t"] == 1


async def test_the_same_key_with_another_file_of_the_same_name_is_refused() -> None:
    async with AsyncTestClient(build_app()) as c:
        headers = {
            "authstage-action": endpoint_of(c.app).registry.id_of(sa.upload),
            "idempotency-key": "file-key",
        }

        async def send(content: bytes) -> Any:
            files = {"avatar": ("a.png", content, "image/png")}
            return await c.post("/_action", files=files, headers=headers)

        first, again = await send(PNG), await send(PNG)
        assert first.status_code == again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        other = await send(PNG + b"\0")  # same name and size field, other bytes
        assert other.status_code == 422
        assert sa.CALLS["upload"] == 1


async def test_keys_are_scoped_per_action(client: Any) -> None:
    await call(client, pa.bump, "shared", tag="t")
    response = await call(client, pa.slow, "shared", tag="t", seconds=0)
    assert response.json()["data"] == "t"
    assert pa.CALLS["t"] == 2


async def test_keys_are_scoped_per_caller(client: Any) -> None:
    client.cookies.set("authstage_session", "alice-token", domain="testserver.local")
    await call(client, pa.bump, "same-key", tag="t")
    client.cookies.set("authstage_session", "bob-token", domain="testserver.local")
    bob = await call(client, pa.bump, "same-key", tag="t")
    assert "idempotent-replayed" not in bob.headers
    assert bob.json()["data"] == 2


async def test_concurrent_duplicates_run_the_action_once(client: Any) -> None:
    replies = await asyncio.gather(
        *(call(client, pa.slow, "dup", tag="d", seconds=0.2) for _ in range(3))
    )
    assert [r.json() for r in replies] == [{"ok": True, "data": "d"}] * 3
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in replies) == 2
    assert pa.CALLS["d"] == 1


async def test_an_error_the_action_raised_is_replayed(client: Any) -> None:
    first = await call(client, pa.refuse, "r", tag="x")
    second = await call(client, pa.refuse, "r", tag="x")
    assert first.status_code == second.status_code == 409
    assert first.json() == second.json()
    assert pa.CALLS["x"] == 1


async def test_a_crash_is_not_recorded_so_a_retry_runs_again(client: Any) -> None:
    first = await call(client, pa.crash, "c", tag="y")
    second = await call(client, pa.crash, "c", tag="y")
    assert first.status_code == second.status_code == 500
    assert first.json()["error"]["digest"] != second.json()["error"]["digest"]
    assert pa.CALLS["y"] == 2


async def test_a_call_refused_before_running_does_not_use_up_its_key(client: Any) -> None:
    refused = await call(client, pa.bump, "early", tag=1)  # VALIDATION: nothing ran
    assert refused.status_code == 422
    accepted = await call(client, pa.bump, "early", tag="t")
    assert accepted.json()["data"] == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there", "é"])
async def test_a_malformed_key_is_400(client: Any, key: str) -> None:
    response = await client.post(
        "/_action",
        content=b'{"tag": "t"}',
        headers={
            "authstage-action": endpoint_of(client.app).registry.id_of(pa.bump),
            "content-type": "application/json",
            "idempotency-key": key.encode("utf-8"),
        },
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["message"]
    assert pa.CALLS["t"] == 0


async def test_a_reply_is_forgotten_after_the_window() -> None:
    async with AsyncTestClient(pa.protocol_app(idempotency_window=1)) as client:
        await call(client, pa.bump, "w", tag="t")
        await asyncio.sleep(1.1)
        assert (await call(client, pa.bump, "w", tag="t")).json()["data"] == 2


@pytest.mark.redis
async def test_duplicates_on_two_instances_sharing_redis_run_once(redis_namespace: str) -> None:
    def instance() -> Litestar:
        store = RedisStore.with_client(url=REDIS_URL, namespace=redis_namespace)
        return pa.protocol_app(idempotency_store=store)

    one, two = instance(), instance()
    async with AsyncTestClient(one) as first, AsyncTestClient(two) as second:
        replies = await asyncio.gather(
            call(first, pa.slow, "x-instance", tag="r", seconds=0.3),
            call(second, pa.slow, "x-instance", tag="r", seconds=0.3),
        )
    assert [r.json() for r in replies] == [{"ok": True, "data": "r"}] * 2
    assert [r.headers.get("idempotent-replayed") for r in replies].count("true") == 1
    assert pa.CALLS["r"] == 1
