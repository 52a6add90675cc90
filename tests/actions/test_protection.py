"""Protected pages, routes and actions; ownership and roles; bad session cookies."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import accounts, admin, notes
from authstage.auth import Session, User
from authstage.auth.sessions import hash_token
from authstage.testing import ActionClient
from tests.actions.conftest import (
    db,
    edit_behind,
    error_of,
    login,
    session_of,
    set_session,
    signup,
)


async def test_protected_page_redirects_to_login(actions: ActionClient) -> None:
    response = await actions.client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"
    await signup(actions)
    page = await actions.client.get("/dashboard")
    assert page.status_code == 200 and "Welcome Ada" in page.text


async def test_protected_json_route_answers_401(actions: ActionClient) -> None:
    response = await actions.client.get("/api/user")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


async def test_protected_action_refuses_anonymous_callers(actions: ActionClient) -> None:
    response = await actions.call(accounts.update_profile, data={"name": "Mallory"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "cookie",
    ["garbage", "", "x" * 5000, "' OR 1=1 --", "\u00e9\u00e9\u00e9", "a" * 43],
    ids=["garbage", "empty", "huge", "sql", "non-ascii", "forged"],
)
async def test_bad_session_cookies_are_signed_out_never_500(
    actions: ActionClient, cookie: str
) -> None:
    raw = [(b"cookie", b"authstage_session=" + cookie.encode("utf-8"))]
    client = actions.client
    assert (await client.get("/api/user", headers=raw)).status_code == 401
    response = await client.post(
        "/_action",
        content=b"{}",
        headers=[
            *raw,
            (b"authstage-action", actions.id_of(accounts.logout).encode()),
            (b"content-type", b"application/json"),
        ],
    )
    assert response.status_code == 401
    page = await client.get("/dashboard", headers=raw, follow_redirects=False)
    assert page.status_code == 303


async def test_expired_and_revoked_cookies_are_signed_out(actions: ActionClient) -> None:
    await signup(actions)
    token = session_of(actions)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await edit_behind(
        actions,
        Session.update({Session.expires_at: past}).where(Session.token_hash == hash_token(token)),
    )
    assert (await actions.client.get("/api/user")).status_code == 401
    await db(Session.delete(force=True))
    set_session(actions, token)
    assert (await actions.call(accounts.list_sessions)).status_code == 401


async def test_a_user_cannot_touch_another_users_session(actions: ActionClient) -> None:
    await signup(actions, email="bob@example.com", name="Bob")
    bobs = await actions.call(accounts.list_sessions)
    bob_session = bobs.json()["data"][0]["id"]
    set_session(actions, None)
    await signup(actions, email="eve@example.com", name="Eve")
    response = await actions.call(accounts.revoke_session, session_id=bob_session)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert await db(Session.count().where(Session.id == bob_session)) == 1
    mine = (await actions.call(accounts.list_sessions)).json()["data"]
    assert [s["current"] for s in mine] == [True]
    assert (
        await actions.call(accounts.revoke_session, session_id=mine[0]["id"])
    ).status_code == 200


async def test_admin_action_is_403_for_users_and_fine_for_admins(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.call(admin.list_users)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    await edit_behind(
        actions, User.update({User.role: "admin"}).where(User.email == "ada@example.com")
    )
    users = (await actions.call(admin.list_users)).json()["data"]
    assert [u["email"] for u in users] == ["ada@example.com"]
    assert "password_hash" not in users[0]


async def test_anonymous_admin_call_is_401(actions: ActionClient) -> None:
    assert (await actions.call(admin.list_users)).status_code == 401


async def test_one_session_query_per_request(actions: ActionClient, queries: list[str]) -> None:
    await signup(actions)
    queries.clear()
    # update_profile calls require_user() itself after the authenticator already resolved
    # the session; the profile page's guard, handler and take_outcome() share one lookup too.
    await actions.call(accounts.update_profile, data={"name": "Ada Two"})
    session_queries = [q for q in queries if "authstage_session" in q]
    assert len(session_queries) <= 1, session_queries  # none when the session cache has it
    queries.clear()
    page = await actions.client.get("/profile")
    assert page.status_code == 200
    lookups = [q for q in queries if "authstage_session" in q and "token_hash" in q]
    assert len(lookups) == 1, lookups


async def test_public_actions_do_not_query_sessions(
    actions: ActionClient, queries: list[str]
) -> None:
    await signup(actions)
    queries.clear()
    await actions.call(notes.list_notes)
    assert not [q for q in queries if "authstage_session" in q]


async def test_login_is_throttled_per_email_on_failures(actions: ActionClient) -> None:
    await signup(actions)
    set_session(actions, None)
    for _ in range(5):
        assert (await login(actions, "ada@example.com", "wrong password!")).status_code == 401
    response = await login(actions, "ada@example.com")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert error_of(response)["code"] == "RATE_LIMITED"
    # another account from the same IP is not locked out by Ada's failures
    assert (await login(actions, "other@example.com", "wrong password!")).status_code == 401
