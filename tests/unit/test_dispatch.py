"""The endpoint end to end: success paths and every bad input (nothing runs, no 5xx)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage.dispatch import ActionEndpoint
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa

JSON = {"content-type": "application/json"}


def assert_clean_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with ``code``: no traceback, no 5xx."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body["error"]  # type: ignore[no-any-return]


async def post_raw(
    client: AsyncTestClient[Litestar],
    endpoint: ActionEndpoint,
    fn: Any,
    body: bytes,
    **headers: str,
) -> Any:
    return await client.post(
        "/_action",
        content=body,
        headers={"authstage-action": endpoint.registry.id_of(fn), **JSON, **headers},
    )


async def test_success_returns_the_typed_value(actions: ActionClient) -> None:
    response = await actions.call(sa.add, a=2, b=40)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "data": 42}
    assert response.headers["content-type"] == "application/json"


async def test_undeclared_fields_never_leave_the_server(actions: ActionClient) -> None:
    response = await actions.call(sa.create_post, data={"title": "Hi", "content": "hello"})
    assert response.json()["data"] == {"id": 7, "title": "Hi"}
    assert "password_hash" not in response.text
    assert "argon2id" not in response.text


async def test_rich_types_round_trip(actions: ActionClient) -> None:
    value = {
        "when": "2026-01-02T03:04:05Z",
        "day": "2026-01-02",
        "ident": "9f1c1a52-3c6e-4c59-9a57-4b8d2f0c8a11",
        "price": "12.50",
        "color": "red",
        "mapping": {"x": 1},
    }
    response = await actions.call(sa.echo_everything, value=value)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["color"] == "red" and data["price"] == "12.50" and data["maybe"] is None


async def test_keyword_only_parameters(actions: ActionClient) -> None:
    assert (await actions.call(sa.keywords, a=3)).json()["data"] == 6
    assert (await actions.call(sa.keywords, a=3, b=5)).json()["data"] == 15


async def test_malformed_json_is_400_and_runs_nothing(
    client: Any, endpoint: ActionEndpoint
) -> None:
    error = assert_clean_error(
        await post_raw(client, endpoint, sa.add, b'{"a": 1,'), 400, "BAD_REQUEST"
    )
    assert "Malformed JSON" in error["message"]
    assert sa.CALLS["add"] == 0


async def test_empty_body_is_400(client: Any, endpoint: ActionEndpoint) -> None:
    assert_clean_error(await post_raw(client, endpoint, sa.add, b""), 400, "BAD_REQUEST")
    assert sa.CALLS["add"] == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b'{"a": "one", "b": 2}', "a", "Must be a whole number"),
        (b'{"a": 1}', "b", "Required"),
        (b'{"a": 1, "b": 2, "c": 3}', "c", "Unexpected field"),
        (b'{"a": 1, "b": 1e400}', "b", "Number is out of range"),
        (b'{"a": 1, "b": ' + b"9" * 5000 + b"}", "b", "Number is out of range"),
    ],
    ids=["wrong-type", "missing", "extra", "huge-float", "huge-int"],
)
async def test_invalid_arguments_are_422_with_field_errors(
    client: Any, endpoint: ActionEndpoint, body: bytes, field: str, message: str
) -> None:
    error = assert_clean_error(await post_raw(client, endpoint, sa.add, body), 422, "VALIDATION")
    assert error["fieldErrors"][field] == [message]
    assert sa.CALLS["add"] == 0


async def test_every_field_error_is_reported_at_once(actions: ActionClient) -> None:
    response = await actions.call(sa.create_post, data={"title": "", "content": "x", "tags": [1]})
    error = assert_clean_error(response, 422, "VALIDATION")
    assert set(error["fieldErrors"]) == {"title", "content", "tags[0]"}
    assert error["fieldErrors"]["content"] == ["Must be at least 3 characters"]
    assert sa.CALLS["create_post"] == 0


async def test_body_that_is_not_an_object_is_422(client: Any, endpoint: ActionEndpoint) -> None:
    error = assert_clean_error(
        await post_raw(client, endpoint, sa.add, b"[1, 2]"), 422, "VALIDATION"
    )
    assert error["formErrors"]


async def test_deep_nesting_is_refused(client: Any, endpoint: ActionEndpoint) -> None:
    deep = b'{"payload": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    response = await post_raw(client, endpoint, sa.free_json, deep)
    assert response.status_code in (400, 413)
    assert response.json()["ok"] is False
    assert sa.CALLS["free_json"] == 0


async def test_wrong_content_type_is_415(client: Any, endpoint: ActionEndpoint) -> None:
    response = await client.post(
        "/_action",
        content=b"a=1",
        headers={"authstage-action": endpoint.registry.id_of(sa.add), "content-type": "text/plain"},
    )
    assert_clean_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    response = await client.post("/_action", content=b"<x/>", headers={"content-type": "text/xml"})
    assert_clean_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert sa.CALLS["add"] == 0


async def test_unknown_action_id_is_404(client: Any) -> None:
    response = await client.post(
        "/_action", content=b"{}", headers={"authstage-action": "0" * 42, **JSON}
    )
    assert_clean_error(response, 404, "NOT_FOUND")


async def test_id_signed_with_another_key_is_404(client: Any) -> None:
    from authstage.ids import action_id

    forged = action_id("tests.unit.sample_actions.add", b"another-secret-another-secret-xx")
    response = await client.post(
        "/_action", content=b'{"a":1,"b":2}', headers={"authstage-action": forged, **JSON}
    )
    assert_clean_error(response, 404, "NOT_FOUND")
    assert sa.CALLS["add"] == 0


async def test_malformed_id_and_missing_id_are_404(client: Any) -> None:
    for bad in ["nothex", "A" * 42, "0" * 41, "../../etc/passwd"]:
        response = await client.post(
            "/_action", content=b"{}", headers={"authstage-action": bad, **JSON}
        )
        assert_clean_error(response, 404, "NOT_FOUND")
    assert_clean_error(await client.post("/_action", content=b"{}", headers=JSON), 404, "NOT_FOUND")


async def test_stale_manifest_gets_a_distinct_code(client: Any, endpoint: ActionEndpoint) -> None:
    headers = {"authstage-action": "f" * 42, "authstage-manifest": "0" * 32, **JSON}
    assert_clean_error(
        await client.post("/_action", content=b"{}", headers=headers), 404, "STALE_CLIENT"
    )
    current = {**headers, "authstage-manifest": endpoint.registry.manifest}
    assert_clean_error(
        await client.post("/_action", content=b"{}", headers=current), 404, "NOT_FOUND"
    )


async def test_get_is_405_with_allow(client: Any) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, "/_action")
        assert_clean_error(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "POST"


async def test_unexpected_exception_is_500_with_digest_and_no_message(
    actions: ActionClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await actions.call(sa.boom)
    error = assert_clean_error(response, 500, "INTERNAL")
    assert "hunter2" not in response.text
    assert len(error["digest"]) == 16
    logged = [r for r in caplog.records if error["digest"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None


async def test_debug_mode_sends_the_message() -> None:
    from tests.unit.conftest import build_app

    async with AsyncTestClient(build_app(debug=True)) as client:
        response = await ActionClient(client).call(sa.boom)
    assert "hunter2" in response.json()["error"]["message"]


async def test_result_of_the_wrong_type_is_internal(actions: ActionClient) -> None:
    assert_clean_error(await actions.call(sa.wrong_result), 500, "INTERNAL")


async def test_action_can_raise_field_errors(actions: ActionClient) -> None:
    error = assert_clean_error(await actions.call(sa.title_taken, title="x"), 422, "VALIDATION")
    assert error["fieldErrors"] == {"title": ["Already taken"]}


async def test_not_found_helper(actions: ActionClient) -> None:
    error = assert_clean_error(await actions.call(sa.missing), 404, "NOT_FOUND")
    assert error["message"] == "No such post"


async def test_private_action_is_401_without_a_principal(actions: ActionClient) -> None:
    assert_clean_error(await actions.call(sa.private_thing), 401, "UNAUTHORIZED")
    assert sa.CALLS["private_thing"] == 0


async def test_authenticator_and_guards_run_before_decoding() -> None:
    from authstage import Forbidden
    from tests.unit.conftest import build_app

    seen: list[str] = []

    async def authenticate(ctx: Any) -> Any:
        return {"id": 1} if ctx.headers.get("x-user") else None

    async def no_adds(ctx: Any, spec: Any) -> None:
        seen.append(spec.name)
        if spec.name.endswith(".add"):
            raise Forbidden("No adding today")

    app = build_app(authenticate=authenticate, guards=[no_adds])
    async with AsyncTestClient(app) as client:
        caller = ActionClient(client)
        assert (await caller.call(sa.private_thing, headers={"x-user": "1"})).json()[
            "data"
        ] == "secret"
        assert_clean_error(await caller.call(sa.private_thing), 401, "UNAUTHORIZED")
        response = await client.post(
            "/_action",
            content=b"not json",
            headers={"authstage-action": caller.id_of(sa.add), **JSON},
        )
        assert_clean_error(response, 403, "FORBIDDEN")
    assert sa.CALLS["add"] == 0


async def test_request_context_headers_and_cookies(actions: ActionClient) -> None:
    response = await actions.call(
        sa.whoami, headers={"user-agent": "pytest-agent", "cookie": "theme=dark"}
    )
    assert response.json()["data"] == {"agent": "pytest-agent", "theme": "dark"}
    assert "seen=yes" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]


async def test_previous_secret_ids_are_accepted_during_rotation() -> None:
    from authstage.ids import action_id
    from tests.unit.conftest import SECRET, build_app

    new_secret = "rotated-secret-rotated-secret-rotated-0001"
    app = build_app(secret=new_secret, previous_secrets=[SECRET])
    old_id = action_id("tests.unit.sample_actions.add", SECRET.encode())
    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/_action", content=b'{"a":1,"b":1}', headers={"authstage-action": old_id, **JSON}
        )
        assert response.json() == {"ok": True, "data": 2}
        assert ActionClient(client).id_of(sa.add) != old_id


async def test_envelope_is_valid_json_for_every_error(client: Any) -> None:
    response = await client.post(
        "/_action", content=b"{}", headers={"authstage-action": "x", **JSON}
    )
    msgspec.json.decode(response.content)
