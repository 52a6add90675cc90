"""What a visitor does on the demo app's pages, as the tour and the bad-input tests both do it.

Every helper works the same with JavaScript on or off: it fills and clicks like a person and
checks the result with Playwright's retrying ``expect``, never by waiting for a page load, so an
answer that arrives as a full page (no JavaScript) or in place (the browser script) both pass.
Accounts get unique emails: the tests share one server per engine for the whole session.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Locator, Page, expect

__all__ = [
    "PASSWORD",
    "Account",
    "ContextFactory",
    "avatar",
    "expect_path",
    "field_error",
    "fill_profile",
    "fill_signup",
    "hidden_fields",
    "image_loaded",
    "log_in",
    "log_out",
    "sign_up",
    "upload_avatar",
]

PASSWORD = "correct horse battery"

#: Opens a fresh browser context on the app: ``open_context(js=True, **playwright_options)``.
ContextFactory = Callable[..., BrowserContext]


@dataclass
class Account:
    """Someone who signs up: a unique email per account."""

    name: str = "Ada Lovelace"
    email: str = ""
    password: str = PASSWORD

    def __post_init__(self) -> None:
        if not self.email:
            self.email = f"ada-{secrets.token_hex(4)}@example.com"


def expect_path(page: Page, path: str) -> None:
    """The tab is at ``path`` (with its query string) on the app's origin."""
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}$"))


def field_error(scope: Page | Locator, name: str) -> Locator:
    """The field error written after the input ``name`` (``<p class="error" data-field>``)."""
    return scope.locator(f'p.error[data-field="{name}"]')


def fill_signup(page: Page, account: Account, password: str | None = None) -> Locator:
    """Open ``/signup`` and fill the form; returns its submit button."""
    page.goto("/signup")
    page.get_by_label("Name").fill(account.name)
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password if password is None else password)
    return page.get_by_role("button", name="Create account")


def sign_up(page: Page, account: Account) -> None:
    """Create the account through the signup form; it lands on the dashboard."""
    fill_signup(page, account).click()
    expect_path(page, "/dashboard")


def log_in(page: Page, account: Account, path: str = "/dashboard") -> None:
    """Fill the login form the tab shows (``/login`` when it shows none); lands on ``path``."""
    if page.get_by_role("button", name="Log in").count() == 0:
        page.goto("/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    expect_path(page, path)


def log_out(page: Page) -> None:
    """Sign out with the header's button (on the dashboard); lands on ``/login``."""
    page.goto("/dashboard")
    page.get_by_role("button", name="Log out").click()
    expect_path(page, "/login")


def fill_profile(page: Page, *, name: str | None = None, website: str | None = None) -> Locator:
    """Fill the profile form on ``/profile`` (the tab is there); returns its save button."""
    form = page.locator("form#profile")
    if name is not None:
        form.get_by_label("Name").fill(name)
    if website is not None:
        form.get_by_label("Website").fill(website)
    return form.get_by_role("button", name="Save profile")


def upload_avatar(page: Page, filename: str, data: bytes, mime_type: str) -> None:
    """Choose a file in the avatar form on ``/profile`` and send it."""
    form = page.locator("form#avatar-upload")
    form.get_by_label(re.compile("^Image")).set_input_files(
        {"name": filename, "mimeType": mime_type, "buffer": data}
    )
    form.get_by_role("button", name="Upload avatar").click()


def avatar(page: Page) -> Locator:
    """The avatar image on ``/profile``."""
    return page.get_by_role("img", name="Your avatar")


def image_loaded(image: Locator) -> bool:
    """The image was fetched and decoded (it has pixels), not just put in the page."""
    loaded: bool = image.evaluate("img => img.complete && img.naturalWidth > 0")
    return loaded


def hidden_fields(form: Locator) -> dict[str, str]:
    """A form's hidden inputs (``_action``, ``_bound``, ...), as its page wrote them."""
    hidden = form.locator("input[type=hidden]")
    return {
        hidden.nth(i).get_attribute("name") or "": hidden.nth(i).get_attribute("value") or ""
        for i in range(hidden.count())
    }
