"""The app's pages with JavaScript off: forms post to /_action and come back with the outcome."""

from __future__ import annotations

from actions import accounts
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, set_session, signup

BASE = "http://testserver.local"


async def test_signup_form_without_javascript(actions: ActionClient) -> None:
    page = await actions.client.get("/signup")
    assert 'name="_action"' in page.text
    response = await actions.form(
        accounts.signup,
        {"name": "Ada", "email": "ada@example.com", "password": PASSWORD},
        referer=f"{BASE}/signup",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert "Welcome Ada" in (await actions.client.get("/dashboard")).text


async def test_failed_login_form_shows_errors_and_keeps_the_email_not_the_password(
    actions: ActionClient,
) -> None:
    response = await actions.form(
        accounts.login,
        {"email": "ada@example.com", "password": "guessing-wrong"},
        referer=f"{BASE}/login",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = await actions.client.get("/login")
    assert "Invalid email or password" in page.text
    assert 'value="ada@example.com"' in page.text
    assert "guessing-wrong" not in page.text
    again = await actions.client.get("/login")
    assert "Invalid email or password" not in again.text  # shown exactly once


async def test_signup_form_field_errors_are_shown_next_to_inputs(actions: ActionClient) -> None:
    await actions.form(
        accounts.signup,
        {"name": "A", "email": "nope", "password": "short"},
        referer=f"{BASE}/signup",
    )
    page = (await actions.client.get("/signup")).text
    assert 'data-field="name">Must be at least 2 characters' in page
    assert 'data-field="email">Has an invalid format' in page
    assert 'data-field="password">Must be at least 8 characters' in page


async def test_signed_in_users_skip_the_login_page(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.client.get("/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


async def test_profile_page_forms(actions: ActionClient) -> None:
    await signup(actions)
    page = await actions.client.get("/profile")
    assert page.status_code == 200
    assert page.text.count('name="_bound"') == 0  # one device, this one: it signs out (logout)
    assert "This device" in page.text
    response = await actions.form(
        accounts.update_profile,
        {"name": "Ada L.", "bio": "", "website": ""},
        referer=f"{BASE}/profile",
    )
    assert response.headers["location"] == "/profile"
    assert "Saved." in (await actions.client.get("/profile")).text


async def test_protected_page_sends_to_login_with_next_and_login_comes_back(
    actions: ActionClient,
) -> None:
    await signup(actions)
    set_session(actions, None)
    response = await actions.client.get("/profile?tab=a%20b", follow_redirects=False)
    login_page = response.headers["location"]
    assert login_page == "/login?next=/profile%3Ftab%3Da%2520b"
    page = await actions.client.get(login_page)
    assert '<input type="hidden" name="next" value="/profile?tab=a%20b">' in page.text
    fields = {"email": "ada@example.com", "password": PASSWORD, "next": "/profile?tab=a%20b"}
    back = await actions.form(accounts.login, fields, referer=f"{BASE}{login_page}")
    assert back.headers["location"] == "/profile?tab=a%20b"
    assert "Sign out everywhere" in (await actions.client.get(back.headers["location"])).text


async def test_login_page_drops_a_hostile_next(actions: ActionClient) -> None:
    for hostile in ["//evil.com", "https://evil.com", "/%5Cevil.com", "javascript:alert(1)"]:
        page = await actions.client.get("/login", params={"next": hostile})
        assert page.status_code == 200
        assert 'name="next"' not in page.text
        assert "evil" not in page.text


async def test_signed_in_users_go_straight_to_a_safe_next(actions: ActionClient) -> None:
    await signup(actions)
    for given, landed in [("/profile", "/profile"), ("//evil.com", "/dashboard")]:
        response = await actions.client.get(
            "/login", params={"next": given}, follow_redirects=False
        )
        assert (response.status_code, response.headers["location"]) == (303, landed)


async def test_failed_login_form_keeps_next_for_the_next_try(actions: ActionClient) -> None:
    fields = {"email": "ada@example.com", "password": "guessing-wrong", "next": "/profile"}
    response = await actions.form(accounts.login, fields, referer=f"{BASE}/login?next=%2Fprofile")
    assert response.headers["location"] == "/login?next=%2Fprofile"
    page = await actions.client.get(response.headers["location"])
    assert "Invalid email or password" in page.text
    assert '<input type="hidden" name="next" value="/profile">' in page.text
