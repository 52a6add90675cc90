"""``GET /_action/manifest``: the name -> ID table generated clients resolve actions with."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from authstage.appstate import endpoint_of
from authstage.schema import build_model
from tests.unit import protocol_actions as pa


async def test_manifest_maps_each_action_name_to_its_current_id() -> None:
    app = pa.protocol_app()
    registry = endpoint_of(app).registry
    async with AsyncTestClient(app) as client:
        response = await client.get("/_action/manifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["version"] == 1
    assert body["manifest"] == registry.manifest
    assert body["actions"]["tests.unit.protocol_actions.slow"] == registry.id_of(pa.slow)
    assert body["contract"] == build_model(registry).contract


async def test_actions_declared_client_false_stay_out_of_the_manifest() -> None:
    app = pa.protocol_app()
    async with AsyncTestClient(app) as client:
        actions = (await client.get("/_action/manifest")).json()["actions"]
    assert "tests.unit.protocol_actions.hidden" not in actions
    assert "tests.unit.protocol_actions.private" in actions  # guards, not secrecy, protect it
    hidden = build_model(endpoint_of(app).registry).actions
    assert "tests.unit.protocol_actions.hidden" not in {a.name for a in hidden}


async def test_manifest_answers_304_to_a_client_holding_the_current_one() -> None:
    async with AsyncTestClient(pa.protocol_app()) as client:
        first = await client.get("/_action/manifest")
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache"
        again = await client.get("/_action/manifest", headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.content == b""
        other = await client.get("/_action/manifest", headers={"if-none-match": '"old"'})
        assert other.status_code == 200


async def test_manifest_ids_change_with_the_secret_but_the_contract_does_not() -> None:
    async with AsyncTestClient(pa.protocol_app()) as client:
        one = (await client.get("/_action/manifest")).json()
    other_secret = "another-secret-0123456789abcdef0123456789ab"
    async with AsyncTestClient(pa.protocol_app(secret=other_secret)) as client:
        two = (await client.get("/_action/manifest")).json()
    assert one["actions"].keys() == two["actions"].keys()
    assert one["actions"] != two["actions"]
    assert one["manifest"] != two["manifest"]
    assert one["contract"] == two["contract"]


async def test_manifest_refuses_writes_with_405() -> None:
    async with AsyncTestClient(pa.protocol_app()) as client:
        response = await client.post("/_action/manifest", content=b"{}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
