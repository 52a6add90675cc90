"""The tour of the demo app: one visitor's path through every page, as a list of steps.

A step is a function of the ``Tour`` (tourstate.py: the tab, the visitor, the server): it does
one thing a person does and asserts what they must see. ``test_tour`` runs ``TOUR`` in order,
once with JavaScript on and once off, and screenshots the page after each step as
``<nn>-<step>.png`` (``<nn>-<step>-failed.png`` when it fails). Steps share the tab, so each
starts where the one before it left off. This module has the account's steps (signup, profile,
avatar, password, devices, login); tour_content.py the posts and todos, tour_data.py the
export, search, admin and a second user who may touch none of the visitor's things.

The visitor's post is deleted last, after the second user has tried to edit and delete it.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import (
    PASSWORD,
    avatar,
    expect_path,
    field_error,
    fill_profile,
    image_loaded,
    log_in,
    log_out,
    upload_avatar,
)
from tests.browser.tour_content import (
    post_create,
    post_delete,
    post_edit_blank_title,
    post_edit_saved,
    post_like,
    todo_add,
    todo_delete,
    todo_refused,
    todo_toggle,
)
from tests.browser.tour_data import (
    admin_announce,
    admin_audit,
    admin_users,
    export_download,
    export_start,
    other_user_replays_forms,
    other_user_sees_no_buttons,
    search,
)
from tests.browser.tourstate import Step, Tour
from tests.unit.imagefiles import image_bytes

__all__ = ["TOUR"]


def home(tour: Tour) -> None:
    """The landing page links to signup and login."""
    tour.page.goto("/")
    expect(tour.page.get_by_role("heading", level=1)).to_have_text("auth-stage")
    expect(tour.page.get_by_role("link", name="Log in")).to_be_visible()
    tour.page.get_by_role("link", name="Sign up").click()
    expect_path(tour.page, "/signup")


def signup_short_password(tour: Tour) -> None:
    """A too-short password is refused next to its input; name and email stay, never the
    password."""
    page, account = tour.page, tour.account
    page.get_by_label("Name").fill(account.name)
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(field_error(page, "password")).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Name")).to_have_value(account.name)
    expect(page.get_by_label("Email")).to_have_value(account.email)
    expect(page.get_by_label("Password")).to_have_value("")
    assert tour.demo.user(account.email) is None


def signup(tour: Tour) -> None:
    """A valid password creates the account and lands on the dashboard, greeted by name."""
    page = tour.page
    page.get_by_label("Password").fill(tour.account.password)
    page.get_by_role("button", name="Create account").click()
    expect_path(page, "/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome {tour.account.name}")


def profile_bad_website(tour: Tour) -> None:
    """A website that is not an http(s) address is refused; the profile keeps its old name."""
    page = tour.page
    page.get_by_role("link", name="Profile").click()
    expect_path(page, "/profile")
    fill_profile(page, name=tour.new_name, website="javascript:alert(1)").click()
    expect(field_error(page.locator("form#profile"), "website")).to_be_visible()
    expect(page.locator("form#profile").get_by_label("Name")).to_have_value(tour.new_name)
    user = tour.demo.user(tour.account.email)
    assert user is not None and user["name"] == tour.account.name and user["website"] is None


def profile_saved(tour: Tour) -> None:
    """A good website saves the profile, and a fresh load of the page shows it."""
    page = tour.page
    fill_profile(page, website="https://ada.example/notes").click()
    expect(page.locator("form#profile").get_by_role("status")).to_have_text("Saved.")
    expect(field_error(page, "website")).to_have_count(0)
    page.reload()
    form = page.locator("form#profile")
    expect(form.get_by_label("Name")).to_have_value(tour.new_name)
    expect(form.get_by_label("Website")).to_have_value("https://ada.example/notes")
    tour.account.name = tour.new_name


def avatar_upload(tour: Tour) -> None:
    """A PNG becomes the avatar: the page shows the stored image (re-encoded to WebP)."""
    page = tour.page
    upload_avatar(page, "ada.png", image_bytes("PNG", (96, 96)), "image/png")
    image = avatar(page)
    expect(image).to_have_attribute("src", re.compile(r"^/media/avatars/[^/]+\.webp$"))
    assert image_loaded(image)
    tour.avatar_src = image.get_attribute("src") or ""


def password_change(tour: Tour) -> None:
    """The password changes with the current one given; the next login needs the new one."""
    form = tour.page.locator("form#password")
    form.get_by_label("Current password").fill(tour.account.password)
    form.get_by_label("New password").fill(tour.new_password)
    form.get_by_role("button", name="Change password").click()
    expect(tour.page.locator("form#password").get_by_role("status")).to_have_text(
        "Password changed."
    )
    expect(tour.page.locator("form#password").get_by_label("Current password")).to_have_value("")
    tour.account.password = tour.new_password


def devices(tour: Tour) -> None:
    """A second device signed in is listed, and signing it out here ends its session."""
    page = tour.page
    second = tour.open_context(user_agent="Second device").new_page()
    log_in(second, tour.account)
    page.reload()
    devices = page.locator("#devices").get_by_role("listitem")
    listed = devices.filter(has_text="Second device")
    expect(listed).to_have_count(1)
    expect(devices.filter(has_text="This device")).to_have_count(1)
    listed.get_by_role("button", name="Revoke").click()
    expect(devices.filter(has_text="Second device")).to_have_count(0)
    expect(devices).to_have_count(1)  # this device is still signed in
    second.goto("/dashboard")
    expect_path(second, "/login?next=/dashboard")


def logout(tour: Tour) -> None:
    """Logging out lands on the login page, and the dashboard is closed again."""
    log_out(tour.page)
    tour.page.goto("/dashboard")
    expect_path(tour.page, "/login?next=/dashboard")


def login_again(tour: Tour) -> None:
    """The new password signs in (the old one no longer does)."""
    page, account = tour.page, tour.account
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    log_in(page, account)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome {account.name}")


def protected_page_signed_out(tour: Tour) -> None:
    """Signed out, the profile page sends the visitor to log in, remembering where to go."""
    log_out(tour.page)
    tour.page.goto("/profile")
    expect_path(tour.page, "/login?next=/profile")


def back_after_login(tour: Tour) -> None:
    """Logging in from there goes back to the profile page, avatar and all."""
    log_in(tour.page, tour.account, path="/profile")
    expect(avatar(tour.page)).to_have_attribute("src", tour.avatar_src)


TOUR: list[Step] = [
    home,
    signup_short_password,
    signup,
    profile_bad_website,
    profile_saved,
    avatar_upload,
    password_change,
    devices,
    post_create,
    post_edit_blank_title,
    post_edit_saved,
    post_like,
    todo_add,
    todo_toggle,
    todo_refused,
    todo_delete,
    export_start,
    export_download,
    search,
    admin_users,
    admin_announce,
    admin_audit,
    other_user_sees_no_buttons,
    other_user_replays_forms,
    post_delete,
    logout,
    login_again,
    protected_page_signed_out,
    back_after_login,
]
