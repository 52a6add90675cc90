"""Bound arguments: sealed leading arguments, tamper-proof, expiring, session-bound."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from authstage.binding import Binder
from authstage.dispatch import ActionEndpoint
from authstage.errors import BadRequest
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa

JSON = {"content-type": "application/json"}


async def call_bound(
    client: Any, endpoint: ActionEndpoint, fn: Any, token: str, body: bytes, **headers: str
) -> Any:
    return await client.post(
        "/_action",
        content=body,
        headers={
            "authstage-action": endpoint.registry.id_of(fn),
            "authstage-bound": token,
            **JSON,
            **headers,
        },
    )


async def test_bound_argument_is_used(client: Any, endpoint: ActionEndpoint) -> None:
    bound = endpoint.binder.bind(sa.delete_post, 41)
    response = await call_bound(client, endpoint, sa.delete_post, bound.token, b'{"reason":"spam"}')
    assert response.json() == {"ok": True, "data": "deleted 41 spam"}


async def test_caller_cannot_override_a_bound_argument(
    client: Any, endpoint: ActionEndpoint
) -> None:
    bound = endpoint.binder.bind(sa.delete_post, 41)
    response = await call_bound(client, endpoint, sa.delete_post, bound.token, b'{"post_id": 1}')
    assert response.status_code == 422
    assert sa.CALLS["delete_post"] == 0


def flip(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-1] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "mangle", [flip, lambda t: t[:-4], lambda t: "garbage!", lambda t: "A" * 40000]
)
async def test_tampered_token_is_400_and_runs_nothing(
    client: Any, endpoint: ActionEndpoint, mangle: Any
) -> None:
    token = mangle(endpoint.binder.bind(sa.delete_post, 41).token)
    response = await call_bound(client, endpoint, sa.delete_post, token, b"{}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert sa.CALLS["delete_post"] == 0


async def test_token_for_another_action_is_refused(client: Any, endpoint: ActionEndpoint) -> None:
    token = endpoint.binder.bind(sa.add, 1).token
    response = await call_bound(client, endpoint, sa.delete_post, token, b"{}")
    assert response.status_code == 400


async def test_expired_token_is_refused(client: Any, endpoint: ActionEndpoint) -> None:
    token = endpoint.binder.bind(sa.delete_post, 41, expires_in=-1).token
    response = await call_bound(client, endpoint, sa.delete_post, token, b"{}")
    assert response.status_code == 400
    assert "expired" in response.json()["error"]["message"]
    fresh = endpoint.binder.bind(sa.delete_post, 41, expires_in=60).token
    assert (await call_bound(client, endpoint, sa.delete_post, fresh, b"{}")).status_code == 200


async def test_session_bound_token_needs_that_session(
    client: Any, endpoint: ActionEndpoint
) -> None:
    token = endpoint.binder.bind(sa.delete_post, 41, session_token="alice-session").token
    mine = {"cookie": "authstage_session=alice-session"}
    theirs = {"cookie": "authstage_session=mallory-session"}
    assert (
        await call_bound(client, endpoint, sa.delete_post, token, b"{}", **mine)
    ).status_code == 200
    response = await call_bound(client, endpoint, sa.delete_post, token, b"{}", **theirs)
    assert response.status_code == 400
    assert "session" in response.json()["error"]["message"]
    assert (await call_bound(client, endpoint, sa.delete_post, token, b"{}")).status_code == 400


async def test_bound_form_fields_work_without_javascript(
    actions: ActionClient, endpoint: ActionEndpoint
) -> None:
    bound = endpoint.binder.bind(sa.delete_post, 9)
    html = str(bound.form_fields())
    assert 'name="_action"' in html and 'name="_bound"' in html
    response = await actions.client.post(
        "/_action", data={"_action": bound.action_id, "_bound": bound.token, "reason": "old"}
    )
    assert response.json()["data"] == "deleted 9 old"


def test_token_reveals_nothing(endpoint: ActionEndpoint) -> None:
    token = endpoint.binder.bind(sa.delete_post, 123456789).token
    assert "123456789" not in base64.urlsafe_b64decode(token + "==").decode("latin-1")


def test_previous_secret_tokens_open_after_rotation(endpoint: ActionEndpoint) -> None:
    from authstage.keys import KeyRing
    from authstage.registry import Registry
    from tests.unit.conftest import SECRET

    old = endpoint.binder.bind(sa.delete_post, 5).token
    rotated = Registry([sa], KeyRing.from_strings("n" * 40, [SECRET]))
    assert Binder(rotated).open("tests.unit.sample_actions.delete_post", old, None) == [5]
    with pytest.raises(BadRequest):
        Binder(Registry([sa], KeyRing.from_strings("n" * 40))).open(
            "tests.unit.sample_actions.delete_post", old, None
        )


def test_expiry_is_checked_against_the_clock(endpoint: ActionEndpoint, monkeypatch: Any) -> None:
    token = endpoint.binder.bind(sa.delete_post, 1, expires_in=10).token
    name = "tests.unit.sample_actions.delete_post"
    assert endpoint.binder.open(name, token, None) == [1]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 11)
    with pytest.raises(BadRequest, match="expired"):
        endpoint.binder.open(name, token, None)
