"""The whole profile page without JavaScript: each form's outcome shows on that form only.

The page has five kinds of form (profile, password, one sign-out per device, sign out
everywhere, delete account). Each test posts one of them the way a browser would, from the
fields the page rendered, and reads the page back: the form posted shows its errors or its
success message, and every other form still shows the saved profile (a failed password change
once blanked the profile form, and saving it then erased name, bio and website).
"""

from __future__ import annotations

from typing import Any

import httpx

from actions import accounts
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, login, session_of, set_session, signup
from tests.actions.pageforms import messages, page_forms, post_form

SAVED = {"name": "Ada Lovelace", "bio": "Writes programs.", "website": "https://ada.example"}


async def page(actions: ActionClient) -> dict[str, dict[str, Any]]:
    """The profile page's forms."""
    return await page_forms(actions, "/profile")


async def post(actions: ActionClient, fields: dict[str, str], **typed: str) -> httpx.Response:
    """Submit a rendered form's fields, with what the user typed, as a browser would."""
    return await post_form(actions, "/profile", fields, **typed)


def shows_saved_profile(forms: dict[str, dict[str, Any]]) -> bool:
    fields = forms["profile"]["fields"]
    return all(fields[name] == value for name, value in SAVED.items())


async def signed_up(actions: ActionClient) -> dict[str, dict[str, Any]]:
    await signup(actions, name="Ada")
    response = await actions.call(accounts.update_profile, data=SAVED)
    assert response.status_code == 200
    forms = await page(actions)
    assert shows_saved_profile(forms)
    return forms


async def test_failed_profile_save_shows_its_errors_and_typed_values_only_there(
    actions: ActionClient,
) -> None:
    forms = await signed_up(actions)
    typed = {"name": "A", "bio": "typed", "website": "not a url"}
    response = await post(actions, forms["profile"]["fields"], **typed)
    assert (response.status_code, response.headers["location"]) == (303, "/profile")
    after = await page(actions)
    assert after["profile"]["fields"] | typed == after["profile"]["fields"]  # typed kept
    text = messages(after)
    assert "Must be at least 2 characters" in text["profile"]
    assert "Saved." not in text["profile"]
    assert all("Must be" not in t for key, t in text.items() if key != "profile")
    assert shows_saved_profile(await page(actions))  # shown once; nothing was saved


async def test_profile_save_shows_saved_only_on_the_profile_form(actions: ActionClient) -> None:
    forms = await signed_up(actions)
    await post(actions, forms["profile"]["fields"], bio="Counts things.")
    after = await page(actions)
    assert after["profile"]["fields"]["bio"] == "Counts things."
    text = messages(after)
    assert "Saved." in text["profile"]
    assert all("Saved." not in t and "changed" not in t for k, t in text.items() if k != "profile")


async def test_failed_password_change_keeps_the_profile_form_and_saving_it_erases_nothing(
    actions: ActionClient,
) -> None:
    forms = await signed_up(actions)
    typed = {"current_password": "wrong password", "new_password": "another password"}
    response = await post(actions, forms["password"]["fields"], **typed)
    assert (response.status_code, response.headers["location"]) == (303, "/profile")
    after = await page(actions)
    assert shows_saved_profile(after)
    text = messages(after)
    assert "Incorrect password" in text["password"]
    assert all("Incorrect" not in t for key, t in text.items() if key != "password")
    assert "wrong password" not in str(after)
    await post(actions, after["profile"]["fields"])  # the user saves the form they see
    row = await db(User.select(User.name, User.bio, User.website).first())
    assert row == SAVED


async def test_password_change_shows_its_message_only_on_its_form(actions: ActionClient) -> None:
    forms = await signed_up(actions)
    typed = {"current_password": PASSWORD, "new_password": "a brand new password"}
    await post(actions, forms["password"]["fields"], **typed)
    after = await page(actions)
    assert shows_saved_profile(after)
    text = messages(after)
    assert "Password changed." in text["password"]
    assert all(
        "Password changed." not in t and "Saved." not in t
        for k, t in text.items()
        if k != "password"
    )


async def _two_devices(actions: ActionClient) -> tuple[dict[str, dict[str, Any]], str]:
    """Signed in on this device and another; the page's forms and the other device's form id."""
    await signed_up(actions)
    here = session_of(actions)
    set_session(actions, None)
    await login(actions, "ada@example.com")
    set_session(actions, here)
    forms = await page(actions)
    devices = sorted(key for key in forms if key.startswith("device-"))
    assert len(devices) == 2
    return forms, devices[1]  # the newer session: the other device


async def test_a_failed_device_sign_out_shows_its_error_on_that_row_only(
    actions: ActionClient,
) -> None:
    forms, other = await _two_devices(actions)
    response = await post(actions, forms[other]["fields"], _bound="tampered")
    assert (response.status_code, response.headers["location"]) == (303, "/profile")
    after = await page(actions)
    text = messages(after)
    assert "Bound arguments" in text[other]
    assert all("Bound arguments" not in t for key, t in text.items() if key != other)
    assert shows_saved_profile(after)
    assert len([key for key in after if key.startswith("device-")]) == 2


async def test_device_sign_out_removes_its_row_and_leaves_the_rest(actions: ActionClient) -> None:
    forms, other = await _two_devices(actions)
    response = await post(actions, forms[other]["fields"])
    assert response.headers["location"] == "/profile"
    after = await page(actions)
    assert other not in after
    assert len([key for key in after if key.startswith("device-")]) == 1
    assert shows_saved_profile(after)
    assert "Saved." not in messages(after)["profile"]


async def test_sign_out_everywhere_leaves_the_page_for_login(actions: ActionClient) -> None:
    # It cannot fail for a signed-in user with the page's own form; its success leaves the page.
    forms, _ = await _two_devices(actions)
    response = await post(actions, forms["everywhere"]["fields"])
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    gone = await actions.client.get("/profile", follow_redirects=False)
    assert gone.headers["location"].startswith("/login?next=")


async def test_failed_account_deletion_shows_its_error_only_there(actions: ActionClient) -> None:
    forms = await signed_up(actions)
    await post(actions, forms["delete"]["fields"], password="not my password")
    after = await page(actions)
    text = messages(after)
    assert "Incorrect password" in text["delete"]
    assert all("Incorrect" not in t for key, t in text.items() if key != "delete")
    assert shows_saved_profile(after)
    assert await db(User.count()) == 1


async def test_account_deletion_goes_home(actions: ActionClient) -> None:
    forms = await signed_up(actions)
    response = await post(actions, forms["delete"]["fields"], password=PASSWORD)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert await db(User.count()) == 0
