"""Bad input in the browser: double submits, an ended session, a cross-site post, a fake image.

Each test runs with JavaScript enabled and disabled, on both engines, and checks both what the
visitor sees and what the database holds afterwards (nothing half-written, nothing changed by a
refused request).
"""

from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.flows import (
    Account,
    ContextFactory,
    avatar,
    expect_path,
    field_error,
    fill_profile,
    fill_signup,
    hidden_fields,
    image_loaded,
    log_in,
    sign_up,
    upload_avatar,
)
from tests.browser.live import DemoServer
from tests.browser.othersite import other_site
from tests.browser.screenshots import Shots
from tests.unit.imagefiles import image_bytes

pytestmark = pytest.mark.browser

#: Enough delay for a second click to land while the first request is still on its way.
SLOW_NETWORK = {"offline": False, "latency": 400, "downloadThroughput": -1, "uploadThroughput": -1}


def test_double_submitting_signup_makes_one_account(
    page: Page, demo: DemoServer, shot: Shots
) -> None:
    """Two fast clicks on "Create account" over a slow network: one account, which works.

    Without JavaScript the browser abandons the first post for the second, which finds the
    email taken and says so; with the browser script the button is disabled while pending and
    the visitor lands on the dashboard. Either way there is exactly one account.
    """
    account = Account()
    button = fill_signup(page, account)
    network = page.context.new_cdp_session(page)
    network.send("Network.emulateNetworkConditions", SLOW_NETWORK)
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_response(lambda r: r.url.endswith("/_action")):
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
        page.mouse.click(x, y)
    network.send("Network.emulateNetworkConditions", {**SLOW_NETWORK, "latency": 0})
    welcome = page.get_by_role("heading", name=re.compile("^Welcome "))
    taken = field_error(page, "email")
    expect(welcome.or_(taken)).to_be_visible()
    shot(page, "double-submit")
    assert demo.users_with(account.email) == 1
    if taken.count():
        expect(taken).to_have_text("Already registered")
        log_in(page, account)
    expect(welcome).to_have_text(f"Welcome {account.name}")


@pytest.mark.parametrize("ended_by", ["cookie", "another-device"])
def test_a_form_sent_after_the_session_ended_goes_to_login_and_back(
    page: Page,
    context: BrowserContext,
    new_context: ContextFactory,
    mode: str,
    demo: DemoServer,
    shot: Shots,
    ended_by: str,
) -> None:
    """The session ends while the profile form is open (its cookie gone, or this device
    revoked from another one): saving leads to login, which leads back to the profile; nothing
    was saved.

    The session is revoked through the app, as a person would, not by deleting its row behind
    the server's back: the server's session cache trusts a session it has seen until the
    framework tells it otherwise (docs/auth.md, "The session cache")."""
    account = Account()
    sign_up(page, account)
    page.goto("/profile")
    save = fill_profile(page, name="Someone Else")
    if ended_by == "cookie":
        context.clear_cookies(name="authstage_session")
    else:
        other = new_context(js=mode == "js", user_agent="Other device").new_page()
        log_in(other, account)
        other.goto("/profile")
        devices = other.locator("#devices").get_by_role("listitem")
        devices.filter(has_not_text="This device").get_by_role("button", name="Revoke").click()
        expect(devices).to_have_count(1)
    save.click()
    expect_path(page, "/login?next=/profile")
    shot(page, f"session-ended-by-{ended_by}")
    log_in(page, account, path="/profile")
    expect(page.locator("form#profile").get_by_label("Name")).to_have_value(account.name)
    shot(page, f"session-ended-by-{ended_by}-back")
    user = demo.user(account.email)
    assert user is not None and user["name"] == account.name


def test_a_form_posted_from_another_site_is_refused(
    page: Page, demo: DemoServer, mode: str, shot: Shots
) -> None:
    """A page on another origin posts the profile form, hidden fields copied from the real one,
    with the visitor's session cookie: 403 CROSS_SITE, and the profile is unchanged."""
    account = Account()
    sign_up(page, account)
    page.goto("/profile")
    fields = hidden_fields(page.locator("form#profile"))
    fields |= {"name": "Mallory", "website": "https://evil.example"}
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    attack = (
        f'<form id="attack" method="post" action="{demo.url}/_action">{inputs}'
        "<button>See your prize</button></form>"
        '<script>document.getElementById("attack").submit()</script>'
    )
    with (
        other_site(attack) as attacker,
        page.expect_response(lambda r: r.url == f"{demo.url}/_action") as sent,
    ):
        page.goto(attacker)
        if mode == "nojs":  # the attacker's script does not run: the visitor clicks
            page.get_by_role("button", name="See your prize").click()
    response = sent.value
    assert "authstage_session=" in (response.request.header_value("cookie") or "")
    assert response.status == 403
    assert response.json()["error"]["code"] == "CROSS_SITE"
    shot(page, "cross-site-refused")
    user = demo.user(account.email)
    assert user is not None and (user["name"], user["website"]) == (account.name, None)
    page.goto("/profile")
    expect(page.locator("form#profile").get_by_label("Name")).to_have_value(account.name)


def test_a_disguised_avatar_is_refused_and_the_old_one_kept(
    page: Page, demo: DemoServer, shot: Shots
) -> None:
    """A text file named ``.png`` (and sent as image/png) is refused with a field error; the
    avatar shown and stored is still the previous one."""
    account = Account()
    sign_up(page, account)
    page.goto("/profile")
    upload_avatar(page, "me.png", image_bytes("PNG", (64, 64)), "image/png")
    expect(avatar(page)).to_be_visible()
    before = avatar(page).get_attribute("src")
    stored = demo.user(account.email)
    upload_avatar(page, "me-too.png", b"<?php system($_GET['c']); ?>\n", "image/png")
    form = page.locator("form#avatar-upload")
    expect(field_error(form, "avatar")).to_be_visible()
    shot(page, "disguised-avatar-refused")
    expect(avatar(page)).to_have_attribute("src", before or "")
    assert image_loaded(avatar(page))
    after = demo.user(account.email)
    assert stored is not None and after is not None and after["avatar"] == stored["avatar"]
