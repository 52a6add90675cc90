"""The layout every page shares (base.html): the header nav for a visitor, a user and an admin.

No page handler passes the user in: the layout reads it from the template global
``current_user``, so even the home page, whose handler never asks, shows who is signed in.
"""

from __future__ import annotations

import re

from actions import accounts
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import edit_behind, session_of, set_session, signup

BASE = "http://testserver.local"
SECTIONS = ["/", "/posts", "/search", "/todos", "/export", "/profile"]


def _header(page: str) -> str:
    found = re.search(r"<header class=\"site\">(.*?)</header>", page, re.S)
    assert found is not None
    return found.group(1)


def _links(header: str) -> list[str]:
    return re.findall(r'<a[^>]* href="([^"]+)"', header)


async def test_a_visitor_sees_the_sections_and_log_in_and_sign_up(actions: ActionClient) -> None:
    header = _header((await actions.client.get("/")).text)
    assert _links(header) == ["/", *SECTIONS, "/login", "/signup"]
    assert "Log out" not in header and "/admin" not in header


async def test_a_user_sees_their_name_and_a_log_out_form_on_every_page(
    actions: ActionClient,
) -> None:
    await signup(actions, name="Ada")
    for path in ["/", "/dashboard", "/profile"]:
        header = _header((await actions.client.get(path)).text)
        assert _links(header) == ["/", *SECTIONS, "/dashboard"]
        assert '<a class="who" href="/dashboard">Ada</a>' in header
        assert '<form id="nav-logout" method="post" action="/_action">' in header
        assert "/admin" not in header and "/login" not in header
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', header)
        assert current == ([path] if path in SECTIONS else [])


async def test_the_header_log_out_form_signs_out_without_javascript(
    actions: ActionClient,
) -> None:
    await signup(actions)
    header = _header((await actions.client.get("/")).text)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', header))
    response = await actions.client.post(
        "/_action", data=fields, headers={"referer": f"{BASE}/"}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert "Log out" not in _header((await actions.client.get("/")).text)


async def test_an_admin_also_sees_admin(actions: ActionClient) -> None:
    await signup(actions, email="root@example.com", name="Root")
    await edit_behind(
        actions, User.update({User.role: "admin"}).where(User.email == "root@example.com")
    )
    header = _header((await actions.client.get("/")).text)
    assert _links(header) == ["/", *SECTIONS, "/admin", "/dashboard"]
    assert ">Root</a>" in header


async def test_a_revoked_session_cookie_shows_signed_out(actions: ActionClient) -> None:
    await signup(actions)
    token = session_of(actions)
    await actions.call(accounts.logout_everywhere)
    set_session(actions, token)  # the browser still sends the revoked cookie
    header = _header((await actions.client.get("/")).text)
    assert "/login" in _links(header) and "Log out" not in header


async def test_the_dashboard_greets_the_user_with_counts(actions: ActionClient) -> None:
    await signup(actions, name="Ada")
    page = (await actions.client.get("/dashboard")).text
    assert "<h1>Welcome Ada</h1>" in page
    assert "<strong>0</strong> posts" in page and "<strong>0</strong> open todos" in page
    assert "<strong>1</strong> signed-in device" in page
