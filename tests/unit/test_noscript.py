"""Forms posted without JavaScript: 303 to the redirect target or back with the outcome."""

from __future__ import annotations

from typing import Any

from authstage.testing import ActionClient
from tests.unit import sample_actions as sa

PAGE = "http://testserver.local/page"


async def test_redirect_becomes_303(actions: ActionClient) -> None:
    response = await actions.form(sa.go_dashboard, {})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


async def test_success_goes_back_with_result_shown_once(actions: ActionClient, client: Any) -> None:
    response = await actions.form(sa.add, {"a": "1", "b": "2"}, referer=PAGE + "?tab=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/page?tab=1"
    first = (await client.get("/page")).json()
    assert first == {"ok": True, "result": 3, "errors": {}, "values": {"a": "1", "b": "2"}}
    assert (await client.get("/page")).json() == {"outcome": None}


async def test_failure_goes_back_with_errors_and_values_minus_password(
    actions: ActionClient, client: Any
) -> None:
    response = await actions.form(sa.signup, {"email": "a@b.c", "password": "short"}, referer=PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/page"
    shown = (await client.get("/page")).json()
    assert shown["ok"] is False
    assert shown["errors"] == {"password": ["Must be at least 8 characters"]}
    assert shown["values"] == {"email": "a@b.c"}
    assert sa.CALLS["signup"] == 0


async def test_cross_origin_referer_is_not_followed(actions: ActionClient) -> None:
    response = await actions.form(sa.add, {"a": "1", "b": "x"}, referer="https://evil.example/x")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION"


async def test_redirect_to_another_origin_is_refused(actions: ActionClient) -> None:
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]:
        response = await actions.call(sa.go_elsewhere, target=target)
        assert response.status_code == 400, target
        assert "redirect" not in response.json()
        assert response.json()["error"]["code"] == "BAD_REQUEST"
