"""Batches: several calls in one ``POST /_action``, each with its own result envelope."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage.appstate import endpoint_of
from tests.unit import protocol_actions as pa

BATCH = {"content-type": "application/json", "authstage-batch": "1"}


@pytest.fixture
def app() -> Litestar:
    return pa.protocol_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


def call(app: Litestar, fn: Any, **args: Any) -> dict[str, Any]:
    return {"action": endpoint_of(app).registry.id_of(fn), "args": args}


async def send(client: AsyncTestClient[Litestar], *calls: Any, **headers: str) -> Any:
    body = msgspec.json.encode({"calls": list(calls)})
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    return await client.post("/_action", content=body, headers={**BATCH, **extra})


async def test_each_call_gets_its_own_envelope_in_order(client: Any, app: Litestar) -> None:
    response = await send(
        client,
        call(app, pa.bump, tag="a"),
        call(app, pa.bump, tag="b", by=5),
        call(app, pa.leave),
    )
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "results": [
            {"ok": True, "data": 1, "revalidate": {"paths": [], "tags": ["counters"]}},
            {"ok": True, "data": 5, "revalidate": {"paths": [], "tags": ["counters"]}},
            {"ok": True, "data": None, "redirect": "/bye"},
        ],
    }


async def test_calls_of_a_batch_run_concurrently(client: Any, app: Litestar) -> None:
    start = time.perf_counter()
    calls = [call(app, pa.slow, tag=f"t{i}", seconds=0.3) for i in range(4)]
    response = await send(client, *calls)
    elapsed = time.perf_counter() - start
    assert [r["data"] for r in response.json()["results"]] == ["t0", "t1", "t2", "t3"]
    assert elapsed < 0.9, f"4 calls of 0.3 s took {elapsed:.2f} s: they ran one after another"


async def test_one_failing_call_leaves_the_others_alone(client: Any, app: Litestar) -> None:
    response = await send(
        client,
        call(app, pa.bump, tag="ok"),
        call(app, pa.bump, tag=7),  # not a string: VALIDATION
        {"action": "f" * 42, "args": {}},  # unknown ID: NOT_FOUND
        call(app, pa.private),  # nobody signed in: UNAUTHORIZED
        call(app, pa.refuse, tag="x"),  # the action refuses: CONFLICT
        call(app, pa.crash, tag="y"),  # the action crashes: INTERNAL
        call(app, pa.small, text="x" * 100),  # over the action's 64-byte limit
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"ok": True, "data": 1, "revalidate": {"paths": [], "tags": ["counters"]}}
    codes = [r["error"]["code"] for r in results[1:]]
    assert codes == [
        "VALIDATION",
        "NOT_FOUND",
        "UNAUTHORIZED",
        "CONFLICT",
        "INTERNAL",
        "PAYLOAD_TOO_LARGE",
    ]
    assert results[1]["error"]["fieldErrors"] == {"tag": ["Must be text"]}
    assert results[4]["error"]["fieldErrors"] == {"tag": ["Already taken"]}
    assert results[5]["error"]["digest"]
    assert "secret detail" not in response.text


async def test_a_stale_client_gets_stale_client_per_call(client: Any, app: Litestar) -> None:
    response = await send(client, {"action": "f" * 42, "args": {}}, authstage_manifest="0" * 32)
    assert response.json()["results"][0]["error"]["code"] == "STALE_CLIENT"


async def test_cookies_set_by_every_call_are_all_sent(client: Any, app: Litestar) -> None:
    response = await send(
        client, call(app, pa.cookie, name="one"), call(app, pa.cookie, name="two")
    )
    assert {c.name for c in response.cookies.jar} == {"one", "two"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"{", "Malformed JSON"),
        (b"[]", "Malformed batch"),
        (b'{"calls": []}', "1 to 32 calls"),
        (b'{"calls": [{"args": {}}]}', "Malformed batch"),
        (b'{"calls": [{"action": "x", "extra": 1}]}', "Malformed batch"),
        (b'{"calls": [' + b",".join([b'{"action": "x"}'] * 33) + b"]}", "not 33"),
    ],
)
async def test_malformed_batches_are_400_and_run_nothing(
    client: Any, body: bytes, message: str
) -> None:
    response = await client.post("/_action", content=body, headers=BATCH)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert message in response.json()["error"]["message"]
    assert not pa.CALLS


async def test_a_batch_is_json_only(client: Any) -> None:
    response = await client.post(
        "/_action", files={"f": ("a.txt", b"x")}, headers={"authstage-batch": "1"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_cross_site_batch_is_refused_before_reading(client: Any, app: Litestar) -> None:
    response = await send(client, call(app, pa.bump, tag="a"), sec_fetch_site="cross-site")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CROSS_SITE"
    assert not pa.CALLS


async def test_an_oversize_batch_is_413() -> None:
    async with AsyncTestClient(pa.protocol_app(max_body_size=256)) as client:
        body = b'{"calls": [{"action": "x", "args": {"t": "' + b"x" * 300 + b'"}}]}'
        response = await client.post("/_action", content=body, headers=BATCH)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_batched_calls_honour_idempotency_keys(client: Any, app: Litestar) -> None:
    keyed = {**call(app, pa.bump, tag="k"), "idempotencyKey": "key-1"}
    first = (await send(client, keyed)).json()["results"][0]
    second = (await send(client, keyed)).json()["results"][0]
    assert first == second
    assert first["data"] == 1
    assert pa.CALLS["k"] == 1
