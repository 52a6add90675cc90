"""Single-flight refresh: a mutation's reply carries the fresh values of the reads it changed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage.appstate import endpoint_of
from tests.unit import refresh_actions as ra

JSON = {"content-type": "application/json"}


@pytest.fixture
def app() -> Litestar:
    return ra.refresh_app(refresh_timeout=0.5)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


def read(app: Litestar, fn: Any, **args: Any) -> dict[str, Any]:
    return {"action": endpoint_of(app).registry.id_of(fn), "args": args}


async def mutate(
    client: AsyncTestClient[Litestar],
    app: Litestar,
    fn: Any,
    args: dict[str, Any],
    reads: list[Any] | bytes,
    **headers: str,
) -> Any:
    refresh = reads if isinstance(reads, bytes) else msgspec.json.encode(reads)
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    return await client.post(
        "/_action",
        content=msgspec.json.encode(args),
        headers={
            "authstage-action": endpoint_of(app).registry.id_of(fn),
            "authstage-refresh": refresh.decode(),
            **JSON,
            **extra,
        },
    )


async def test_revalidated_reads_come_back_fresh_in_the_same_reply(
    client: Any, app: Litestar
) -> None:
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, [read(app, ra.list_todos)])
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "data": 1,
        "revalidate": {"paths": [], "tags": ["todos", "todos:ada"]},
        "refresh": [{"ok": True, "data": ["milk"]}],
    }
    second = await mutate(client, app, ra.add_todo, {"title": "eggs"}, [read(app, ra.list_todos)])
    assert second.json()["refresh"] == [{"ok": True, "data": ["milk", "eggs"]}]  # cache dropped


async def test_an_unaffected_read_is_not_rerun(client: Any, app: Litestar) -> None:
    reads = [
        read(app, ra.other_read),
        read(app, ra.todos_of, owner="bob"),
        read(app, ra.todos_of, owner="ada"),
        read(app, ra.page_title),
    ]
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
    assert response.json()["refresh"] == [None, None, {"ok": True, "data": ["milk"]}, None]
    assert ra.RUNS == ["todos_of:ada"]


async def test_a_revalidated_path_refreshes_the_reads_on_it(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.page_title), read(app, ra.other_read)]
    response = await mutate(client, app, ra.rename_page, {}, reads)
    assert response.json()["refresh"] == [{"ok": True, "data": "Todos"}, None]


async def test_a_mutation_that_revalidates_nothing_reruns_nothing(
    client: Any, app: Litestar
) -> None:
    response = await mutate(client, app, ra.change_nothing, {}, [read(app, ra.list_todos)])
    assert response.json() == {"ok": True, "data": "done", "refresh": [None]}
    assert ra.RUNS == []


async def test_a_forbidden_read_is_refused_alone_and_the_result_still_returned(
    client: Any, app: Litestar
) -> None:
    reads = [read(app, ra.admin_stats), read(app, ra.my_count), read(app, ra.todos_of, owner="ada")]
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)  # signed out
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == 1
    first, second, third = body["refresh"]
    assert first["ok"] is False and first["error"]["code"] == "UNAUTHORIZED"
    assert second["ok"] is False and second["error"]["code"] == "UNAUTHORIZED"
    assert third == {"ok": True, "data": ["milk"]}
    assert ra.RUNS == ["todos_of:ada"]  # the refused reads did not run

    as_bob = await mutate(client, app, ra.add_todo, {"title": "eggs"}, reads, x_user="bob")
    first, second, third = as_bob.json()["refresh"]
    assert first["error"]["code"] == "FORBIDDEN"  # the configured guard refuses it
    assert second == {"ok": True, "data": 2}
    assert as_bob.json()["data"] == 2

    as_admin = await mutate(client, app, ra.add_todo, {"title": "tea"}, reads, x_user="admin")
    assert [entry["ok"] for entry in as_admin.json()["refresh"]] == [True, True, True]


async def test_a_failing_read_is_its_own_error_envelope(client: Any, app: Litestar) -> None:
    reads = [
        read(app, ra.broken_read),
        read(app, ra.slow_read, seconds=2),
        read(app, ra.list_todos),
    ]
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
    assert response.status_code == 200
    broken, slow, fine = response.json()["refresh"]
    assert broken["error"]["code"] == "INTERNAL" and broken["error"]["digest"]
    assert slow["error"]["code"] == "UNAVAILABLE"  # over refresh_timeout (0.5 s)
    assert fine == {"ok": True, "data": ["milk"]}


async def test_reads_run_concurrently(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.slow_read, seconds=0.3) for _ in range(3)]
    start = time.perf_counter()
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
    elapsed = time.perf_counter() - start
    assert [entry["data"] for entry in response.json()["refresh"]] == [0.3, 0.3, 0.3]
    assert elapsed < 0.8, f"3 reads of 0.3 s took {elapsed:.2f} s: they ran one after another"


async def test_reads_share_the_mutations_session_lookup(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.my_count), read(app, ra.admin_stats), read(app, ra.my_count)]
    response = await mutate(client, app, ra.add_todo, {"title": "x"}, reads, x_user="ada")
    assert response.json()["refresh"][0] == {"ok": True, "data": 1}
    assert ra.AUTHENTICATIONS == ["ada"]  # three signed-in reads, one lookup


async def test_reads_run_as_the_mutation_left_the_caller(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.my_count)]
    response = await mutate(client, app, ra.my_count, {}, reads, x_user="ada")
    assert response.json()["refresh"] == [None]  # my_count revalidates nothing
    assert ra.AUTHENTICATIONS == ["ada"]  # the mutation's principal, kept for the reads


async def test_unusable_reads_are_their_own_errors(client: Any, app: Litestar) -> None:
    reads = [
        {"action": "f" * 42, "args": {}},
        read(app, ra.undeclared_read),
        read(app, ra.todos_of, owner=7),
        read(app, ra.tiny_read, text="x" * 100),  # over the read's own 64-byte limit
    ]
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
    assert response.status_code == 200
    codes = [entry["error"]["code"] for entry in response.json()["refresh"]]
    assert codes == ["NOT_FOUND", "BAD_REQUEST", "VALIDATION", "PAYLOAD_TOO_LARGE"]
    assert "declares no tags or paths" in response.json()["refresh"][1]["error"]["message"]
    assert ra.RUNS == []


async def test_too_many_reads_is_400_and_nothing_runs(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.list_todos)] * 9  # max_refresh_reads is 8
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert "1 to 8 reads" in response.json()["error"]["message"]
    assert ra.TODOS == {}


@pytest.mark.parametrize("raw", [b"{", b"{}", b'[{"action": 1}]', b"[]", b'[{"x": 1}]'])
async def test_a_malformed_refresh_list_is_400_and_nothing_runs(
    client: Any, app: Litestar, raw: bytes
) -> None:
    response = await mutate(client, app, ra.add_todo, {"title": "milk"}, raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert ra.TODOS == {}


async def test_reads_count_towards_the_body_limit() -> None:
    app = ra.refresh_app(max_body_size=200)
    async with AsyncTestClient(app) as client:
        reads = [read(app, ra.todos_of, owner="x" * 60)] * 2
        response = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert ra.TODOS == {}


async def test_a_failed_mutation_refreshes_nothing(client: Any, app: Litestar) -> None:
    response = await mutate(client, app, ra.add_todo, {"title": 3}, [read(app, ra.list_todos)])
    assert response.status_code == 422
    assert "refresh" not in response.json()
    assert ra.RUNS == []


async def test_a_call_without_reads_has_no_refresh_key(client: Any, app: Litestar) -> None:
    response = await client.post(
        "/_action",
        content=b'{"title": "milk"}',
        headers={"authstage-action": endpoint_of(app).registry.id_of(ra.add_todo), **JSON},
    )
    assert "refresh" not in response.json()


async def test_a_form_post_without_javascript_is_unaffected(client: Any, app: Litestar) -> None:
    action_id = endpoint_of(app).registry.id_of(ra.add_todo)
    response = await client.post(
        "/_action",
        content=f"_action={action_id}&title=milk".encode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "referer": "http://testserver.local/todos",
            "authstage-refresh": "not even json",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert ra.TODOS == {"ada": ["milk"]}


async def test_a_batched_call_refreshes_its_own_reads(client: Any, app: Litestar) -> None:
    registry = endpoint_of(app).registry
    calls = [
        {
            "action": registry.id_of(ra.add_todo),
            "args": {"title": "milk"},
            "refresh": [read(app, ra.list_todos), read(app, ra.other_read)],
        },
        {"action": registry.id_of(ra.change_nothing), "args": {}},
        {"action": registry.id_of(ra.add_todo), "args": {"title": "eggs"}, "refresh": [{}]},
    ]
    response = await client.post(
        "/_action",
        content=msgspec.json.encode({"calls": calls}),
        headers={"authstage-batch": "1", **JSON},
    )
    first, second, third = response.json()["results"]
    assert first["refresh"][0]["ok"] is True and first["refresh"][1] is None
    assert "refresh" not in second
    assert third["error"]["code"] == "BAD_REQUEST"  # its list is malformed: it did not run
    assert ra.TODOS == {"ada": ["milk"]}


async def test_an_idempotent_replay_carries_the_first_refresh(client: Any, app: Litestar) -> None:
    reads = [read(app, ra.list_todos)]
    first = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads, idempotency_key="k1")
    again = await mutate(client, app, ra.add_todo, {"title": "milk"}, reads, idempotency_key="k1")
    assert first.json()["refresh"] == [{"ok": True, "data": ["milk"]}]
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
