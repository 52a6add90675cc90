"""The browser script (authstage/browser/enhance.ts) in a real browser: Debian's chromium
through Playwright, against a live server of the test app in enhance_app.py.

Each behaviour a page relies on has a test: pending state and no double submit, field errors
in place without a reload, redirects followed, regions refreshed in the call's own reply (one
request), the optimistic toggle and its rollback, uploads, ``data-confirm``, a network
failure, an expired session, and a form that opts out. The browser, the server and the
contexts are the suite's (conftest.py): without chromium these tests are skipped locally and
fail in CI (``CI=true``), where the browser suite is required.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Dialog, FilePayload, Page, Request, expect

from tests.browser.flows import ContextFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def server(enhance_server: str) -> str:
    """The test app's address (the session's ``enhance_server``)."""
    return enhance_server


@pytest.fixture
def page(open_context: ContextFactory, server: str) -> Page:
    """A tab with JavaScript on ``/page`` of the test app, in a context of its own."""
    opened = open_context(server).new_page()
    opened.set_default_timeout(5000)
    opened.goto("/page")
    return opened


def requests_from(page: Page) -> list[Request]:
    """Every request the page makes from now on (filled in as they start)."""
    made: list[Request] = []
    page.on("request", lambda request: made.append(request))  # noqa: PLW0108 (Playwright
    # wraps the handler it is given, which a bound method of a list cannot be)
    return made


def ran(server: str, name: str) -> int:
    counts: dict[str, int] = httpx.get(f"{server}/stats").json()
    return counts.get(name, 0)


def add_item(page: Page, text: str) -> None:
    page.fill("#add input[name=text]", text)
    page.click("#add button")
    expect(page.locator("#items li", has_text=text)).to_have_count(1)


def test_a_pending_form_disables_its_buttons_and_is_sent_once(page: Page, server: str) -> None:
    before = ran(server, "slow_save")
    requests = requests_from(page)
    button = page.locator("#slow button")
    button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-busy", "true")
    expect(button).to_have_text("Saving…")
    expect(page.locator("#slow")).to_have_attribute("aria-busy", "true")
    button.click(force=True)  # a second click on the disabled button
    page.evaluate("document.querySelector('#slow').requestSubmit()")  # and a scripted submit
    page.press("#slow input[name=text]", "Enter")  # and Enter in its field
    expect(button).to_be_enabled()
    expect(button).to_have_text("Save")
    expect(button).not_to_have_attribute("aria-busy", "true")
    assert len(requests) == 1
    assert ran(server, "slow_save") == before + 1


def test_field_errors_appear_in_place_without_a_reload(page: Page, server: str) -> None:
    page.evaluate("window.stillHere = true")
    page.fill("#signup input[name=name]", "Al")
    page.fill("#signup input[name=age]", "200")
    page.click("#signup button")
    error = page.locator('#signup label:has(input[name=name]) + p.error[data-field="name"]')
    expect(error).to_have_text("Name must be at least 3 characters")
    expect(page.locator('#signup p.error[data-field="age"]')).to_have_text(
        "Age must be at most 150"
    )
    name = page.locator("#signup input[name=name]")
    expect(name).to_be_focused()  # the first in the page, though the server named age first
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator('#signup p.error[role="alert"]')).to_be_visible()

    page.fill("#signup input[name=name]", "Alice")
    page.fill("#signup input[name=age]", "thirty")
    page.click("#signup button")
    expect(page.locator('#signup p.error[data-field="age"]')).to_have_count(1)
    expect(page.locator('#signup p.error[data-field="name"]')).to_have_count(0)
    expect(page.locator("#signup input[name=age]")).to_be_focused()
    expect(name).not_to_have_attribute("aria-invalid", "true")

    before = ran(server, "sign_up")
    page.fill("#signup input[name=age]", "30")
    page.click("#signup button")
    expect(page.locator("#signup p.error")).to_have_count(0)
    assert ran(server, "sign_up") == before + 1
    assert page.evaluate("window.stillHere") is True  # never reloaded


def test_a_redirect_is_followed(page: Page) -> None:
    requests = requests_from(page)
    page.click("#go button")
    page.wait_for_url("**/done")
    expect(page.locator("h1")).to_have_text("Done")
    assert [r.resource_type for r in requests][:1] == ["fetch"]


def test_regions_refresh_in_the_calls_own_reply(page: Page, server: str) -> None:
    other = page.locator("#other").inner_text()
    count = int(page.locator("h1 span").inner_text())
    requests = requests_from(page)
    add_item(page, "milk")
    expect(page.locator("h1 span")).to_have_text(str(count + 1))
    expect(page.locator('#add p[role="status"]')).to_have_text("Added.")
    expect(page.locator("#add input[name=text]")).to_have_value("")  # data-reset
    assert len(requests) == 1  # the write and the fresh regions: one round trip
    sent = requests[0].headers
    assert sent["authstage-action"]
    assert sent["authstage-refresh"].count('"action"') == 4  # every region of the page
    assert page.locator("#other").inner_text() == other  # not revalidated: not re-run


def test_the_optimistic_toggle_shows_at_once_and_rolls_back_on_error(page: Page) -> None:
    add_item(page, "eggs")
    eggs = page.locator("#items li", has_text="eggs")
    eggs.locator("button", has_text="Toggle").focus()
    page.keyboard.press("Enter")
    expect(eggs).to_have_class("done", timeout=300)  # before the server answers (0.4 s)
    expect(eggs.locator("button", has_text="Toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(600)
    expect(eggs).to_have_class("done")  # the server agreed: the refreshed list says so
    expect(eggs.locator("button", has_text="Toggle")).to_be_focused()  # kept across the swap

    add_item(page, "locked")
    locked = page.locator("#items li", has_text="locked")
    toggle = locked.locator("button", has_text="Toggle")
    toggle.click()
    expect(locked).to_have_class("done", timeout=300)
    expect(locked.locator('p.error[role="alert"]')).to_have_text("This item is locked")
    expect(locked).not_to_have_class("done")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_be_enabled()


def test_a_file_is_uploaded_as_multipart(page: Page) -> None:
    requests = requests_from(page)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 92
    picture: FilePayload = {"name": "cat.png", "mimeType": "image/png", "buffer": png}
    page.set_input_files("#upload input[type=file]", files=[picture])
    page.click("#upload button")
    expect(page.locator("#uploads li", has_text="cat.png")).to_have_text("cat.png (100 bytes)")
    assert requests[0].resource_type == "fetch"  # no page load
    assert requests[0].headers["content-type"].startswith("multipart/form-data")


def test_data_confirm_asks_before_sending(page: Page, server: str) -> None:
    add_item(page, "bread")
    before = ran(server, "delete_item")
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("#items li", has_text="bread").locator("button", has_text="Delete").click()
    expect(page.locator("#items li", has_text="bread")).to_have_count(1)
    assert asked == ["Delete bread?"]
    assert ran(server, "delete_item") == before

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#items li", has_text="bread").locator("button", has_text="Delete").click()
    expect(page.locator("#items li", has_text="bread")).to_have_count(0)
    assert ran(server, "delete_item") == before + 1


def test_a_network_failure_is_a_form_error(page: Page) -> None:
    page.evaluate(
        """document.addEventListener("authstage:settled", (event) => {
             window.settled = [event.detail.ok, event.target.querySelector("button").disabled];
           })"""
    )
    page.route("**/_action", lambda route: route.abort("internetdisconnected"))
    page.click("#slow button")
    alert = page.locator('#slow p.error[role="alert"]')
    expect(alert).to_have_text("Could not reach the server: check your connection and try again.")
    expect(alert).to_be_focused()
    expect(page.locator("#slow button")).to_be_enabled()
    assert page.evaluate("window.settled") == [False, False]  # fired once usable again


def test_a_crash_shows_its_digest_and_a_proxy_error_its_status(page: Page) -> None:
    page.click("#crash button")
    alert = page.locator('#crash p.error[role="alert"]')
    expect(alert).to_have_text(re.compile(r"^Internal error \(reference [0-9a-f]{16}\)$"))

    page.route(
        "**/_action",
        lambda route: route.fulfill(
            status=502, content_type="text/html", body="<h1>Bad gateway</h1>"
        ),
    )
    page.click("#crash button")
    expect(alert).to_have_text("The server could not handle this (status 502); try again.")


def test_an_expired_session_goes_to_login_and_back(page: Page, server: str) -> None:
    page.context.add_cookies([{"name": "user", "value": "ada", "url": server}])
    before = ran(server, "private_note")
    page.click("#note button")
    expect(page.locator("#note button")).to_be_enabled()
    assert ran(server, "private_note") == before + 1
    assert page.url.endswith("/page")

    page.context.clear_cookies()  # the session expired
    page.click("#note button")
    page.wait_for_url("**/login?next=/page")  # as the server writes it
    assert ran(server, "private_note") == before + 1


def test_a_form_with_data_enhance_off_is_a_plain_post(page: Page) -> None:
    requests = requests_from(page)
    page.click("#plain button")
    page.wait_for_url("**/done")
    posted = [r for r in requests if r.method == "POST"]
    assert [r.resource_type for r in posted] == ["document"]
    assert "authstage-action" not in posted[0].headers
