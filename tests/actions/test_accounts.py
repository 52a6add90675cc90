"""Account actions on both engines: signup, login, logout, passwords, profile, deletion."""

from __future__ import annotations

import asyncio

import pytest

from actions import accounts
from authstage.auth import PasswordHasher, Session, User
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, error_of, login, session_of, set_session, signup

BASE = "http://testserver.local"


async def test_signup_sets_the_session_and_redirects(actions: ActionClient) -> None:
    response = await signup(actions)
    assert response.json() == {"ok": True, "data": None, "redirect": "/dashboard"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("authstage_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = await actions.client.get("/api/user")
    assert me.json()["user"]["email"] == "ada@example.com"
    assert "password" not in me.text


async def test_duplicate_email_is_conflict_even_in_another_case(actions: ActionClient) -> None:
    await signup(actions)
    response = await signup(actions, email="  ADA@Example.com ")
    assert response.status_code == 409
    assert error_of(response)["fieldErrors"] == {"email": ["Already registered"]}
    assert await db(User.count()) == 1


async def test_concurrent_double_signup_gives_one_account_and_one_conflict(
    actions: ActionClient,
) -> None:
    responses = await asyncio.gather(*(signup(actions, email="twin@example.com") for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1
    assert set(statuses) <= {200, 409}
    for r in responses:
        if r.status_code == 409:
            assert "email" in error_of(r)["fieldErrors"]
    assert await db(User.count()) == 1


async def test_fifty_concurrent_signups_with_one_email_hash_once_and_conflict_alike(
    actions: ActionClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real_hash = PasswordHasher.hash

    async def counting(self: PasswordHasher, password: str) -> str:
        hashed.append(password)
        return await real_hash(self, password)

    monkeypatch.setattr(PasswordHasher, "hash", counting)
    responses = await asyncio.gather(
        *(signup(actions, email="crowd@example.com") for _ in range(50))
    )
    statuses = [r.status_code for r in responses]
    # One account; the others conflict (past the signup limit per IP: 429, also unhashed).
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 409, 429}
    assert len(hashed) == 1  # the 49 others answered before hashing
    errors = {str(error_of(r)) for r in responses if r.status_code == 409}
    assert len(errors) == 1  # one message and field for every conflict
    assert await db(User.count()) == 1


async def test_signup_validation(actions: ActionClient) -> None:
    cases = {
        "not-an-email": ("email", "Has an invalid format"),
        "short": ("password", "Must be at least 8 characters"),
        "x" * 1_000_000: ("password", None),
    }
    for value, (field, message) in cases.items():
        data = {"email": "a@b.co", "password": PASSWORD, "name": "Ada", field: value}
        response = await actions.call(accounts.signup, data=data)
        assert response.status_code in (413, 422)
        if message is not None:
            assert error_of(response)["fieldErrors"][field] == [message]
    response = await actions.call(
        accounts.signup, data={"email": "a@b.co", "password": PASSWORD, "name": "A"}
    )
    assert error_of(response)["fieldErrors"] == {"name": ["Must be at least 2 characters"]}
    assert await db(User.count()) == 0


async def test_a_one_megabyte_password_is_refused_before_hashing(actions: ActionClient) -> None:
    await signup(actions)
    response = await login(actions, "ada@example.com", "x" * (1 << 20))
    assert response.status_code in (413, 422)


async def test_login_success_and_identical_failures(actions: ActionClient) -> None:
    await signup(actions)
    await actions.call(accounts.logout)
    wrong_password = await login(actions, "ada@example.com", "wrong password!")
    unknown_email = await login(actions, "nobody@example.com", "wrong password!")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert error_of(wrong_password) == error_of(unknown_email)
    assert error_of(unknown_email)["message"] == "Invalid email or password"
    ok = await login(actions, "ADA@example.com")
    assert ok.json()["redirect"] == "/dashboard"


async def test_login_rotates_the_token_so_a_planted_cookie_is_useless(
    actions: ActionClient,
) -> None:
    await signup(actions)
    planted = session_of(actions)
    await actions.call(accounts.logout)
    set_session(actions, planted)
    await login(actions, "ada@example.com")
    fresh = session_of(actions)
    assert fresh != planted
    set_session(actions, planted)
    assert (await actions.client.get("/api/user")).status_code == 401


async def test_login_revokes_the_session_it_came_with(actions: ActionClient) -> None:
    await signup(actions)
    before = session_of(actions)
    await login(actions, "ada@example.com")
    assert session_of(actions) != before
    assert await db(Session.count()) == 1


async def test_logout_revokes_the_session(actions: ActionClient) -> None:
    await signup(actions)
    token = session_of(actions)
    response = await actions.call(accounts.logout)
    assert response.json()["redirect"] == "/login"
    set_session(actions, token)
    assert (await actions.client.get("/api/user")).status_code == 401
    assert await db(Session.count()) == 0


async def test_logout_everywhere_revokes_every_device(actions: ActionClient) -> None:
    await signup(actions)
    first = session_of(actions)
    set_session(actions, None)
    await login(actions, "ada@example.com")
    assert await db(Session.count()) == 2
    await actions.call(accounts.logout_everywhere)
    assert await db(Session.count()) == 0
    set_session(actions, first)
    assert (await actions.client.get("/api/user")).status_code == 401


async def test_change_password_keeps_this_session_and_ends_the_others(
    actions: ActionClient,
) -> None:
    await signup(actions)
    other = session_of(actions)
    set_session(actions, None)
    await login(actions, "ada@example.com")
    wrong = await actions.call(
        accounts.change_password,
        data={"current_password": "nope nope", "new_password": "new password 1"},
    )
    assert error_of(wrong)["fieldErrors"] == {"current_password": ["Incorrect password"]}
    ok = await actions.call(
        accounts.change_password,
        data={"current_password": PASSWORD, "new_password": "new password 1"},
    )
    assert ok.status_code == 200
    assert (await actions.client.get("/api/user")).status_code == 200
    mine = session_of(actions)
    set_session(actions, other)
    assert (await actions.client.get("/api/user")).status_code == 401
    set_session(actions, mine)
    await actions.call(accounts.logout)
    assert (await login(actions, "ada@example.com", "new password 1")).status_code == 200


async def test_update_profile(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.call(
        accounts.update_profile,
        data={"name": "Ada L.", "bio": "Analyst", "website": "https://ada.example"},
    )
    body = response.json()
    assert body["data"]["name"] == "Ada L." and body["data"]["website"] == "https://ada.example"
    assert body["revalidate"]["paths"] == ["/profile"]
    bad = await actions.call(
        accounts.update_profile,
        data={"name": "A", "bio": "x" * 501, "website": "javascript:alert(1)"},
    )
    assert set(error_of(bad)["fieldErrors"]) == {"name", "bio", "website"}


async def test_delete_account(actions: ActionClient) -> None:
    await signup(actions)
    wrong = await actions.call(accounts.delete_account, password="not it at all")
    assert wrong.status_code == 422
    response = await actions.call(accounts.delete_account, password=PASSWORD)
    assert response.json()["redirect"] == "/"
    assert await db(User.count()) == 0 and await db(Session.count()) == 0


#: ``next`` values that must not take a signed-in user anywhere but the dashboard.
HOSTILE_NEXT = [
    "//evil.com",
    "https://evil.com",
    "/\\evil.com",
    "javascript:alert(1)",
    "/x\r\nSet-Cookie: a=b",
    "/%2F%2Fevil.com",
    "/" + "a" * 10_000,
]
GOOD_NEXT = [("/profile", "/profile"), ("/notes?tab=2&q=caf\u00e9", "/notes?tab=2&q=caf%C3%A9")]


async def test_js_login_goes_to_a_same_origin_next(actions: ActionClient) -> None:
    await signup(actions)
    for given, landed in GOOD_NEXT:
        data = {"email": "ada@example.com", "password": PASSWORD, "next": given}
        response = await actions.call(accounts.login, data=data)
        assert response.json()["redirect"] == landed


async def test_js_login_with_a_hostile_next_lands_on_the_dashboard(actions: ActionClient) -> None:
    await signup(actions)
    for given in HOSTILE_NEXT:
        data = {"email": "ada@example.com", "password": PASSWORD, "next": given}
        response = await actions.call(accounts.login, data=data)
        assert response.status_code == 200, given
        assert response.json()["redirect"] == "/dashboard", given


async def test_no_js_login_goes_to_a_same_origin_next(actions: ActionClient) -> None:
    await signup(actions)
    for given, landed in GOOD_NEXT:
        fields = {"email": "ada@example.com", "password": PASSWORD, "next": given}
        response = await actions.form(accounts.login, fields, referer=f"{BASE}/login")
        assert (response.status_code, response.headers["location"]) == (303, landed)


async def test_no_js_login_with_a_hostile_next_lands_on_the_dashboard(
    actions: ActionClient,
) -> None:
    await signup(actions)
    for given in HOSTILE_NEXT:
        fields = {"email": "ada@example.com", "password": PASSWORD, "next": given}
        response = await actions.form(accounts.login, fields, referer=f"{BASE}/login")
        assert response.status_code == 303, given
        assert response.headers["location"] == "/dashboard", given
