"""The whole profile page without JavaScript: each form's outcome shows on that form only.

The page has six kinds of form (profile, avatar, password, one per device: "Sign out" on this
one, "Revoke" on the others; sign out everywhere, delete account). Each test posts one of them
the way a browser would, from the fields the page rendered, and reads the page back: the form
posted shows its errors or its success message, and every other form still shows the saved
profile (a failed password change once blanked the profile form, and saving it then erased
name, bio and website). Devices show their browser, address and dates readably.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import msgspec

from actions import accounts
from authstage.auth import Session, User
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
    assert await db(Session.count()) == 0  # both devices
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


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def _device_rows(html: str) -> dict[str, str]:
    """Each device row's text (whitespace squeezed), by the id of its form."""
    rows = re.findall(r"<li data-item[^>]*>(.*?)</li>", html, re.S)
    found: dict[str, str] = {}
    for row in rows:
        form = re.search(r'<form id="(device-\d+)"', row)
        assert form is not None
        found[form.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return found


async def test_devices_show_browser_address_and_readable_dates(actions: ActionClient) -> None:
    _, other = await _two_devices(actions)
    here_id, other_id = sorted(
        r["id"] for r in await db(Session.select(Session.id).order_by(Session.id))
    )
    now = dt.datetime.now(dt.UTC)
    await db(
        Session.update(
            {
                Session.user_agent: FIREFOX,
                Session.ip: "203.0.113.7",
                Session.created_at: dt.datetime(2026, 11, 20, 8, 5, tzinfo=dt.UTC),
                Session.last_seen_at: now - dt.timedelta(minutes=3, seconds=20),
            }
        ).where(Session.id == here_id)
    )
    await db(Session.update({Session.user_agent: IPHONE}).where(Session.id == other_id))
    rows = _device_rows((await actions.client.get("/profile")).text)
    here = rows[f"device-{here_id}"]
    assert here.startswith("Firefox on Linux This device 203.0.113.7")
    assert "signed in 20 Nov 2026, 08:05" in here and "active 3 minutes ago" in here
    assert "Mozilla" not in here
    there = rows[other]
    assert there.startswith("Safari on iPhone") and "This device" not in there
    assert "active just now" in there


async def test_this_device_is_marked_and_its_button_signs_out(actions: ActionClient) -> None:
    forms, other = await _two_devices(actions)
    html = (await actions.client.get("/profile")).text
    assert html.count("This device") == 1
    rows = _device_rows(html)
    (here,) = [key for key, text in rows.items() if "This device" in text]
    assert rows[here].endswith("Sign out") and rows[other].endswith("Revoke")
    assert "_bound" not in forms[here]["fields"]  # it is the logout action, nothing to bind
    response = await post(actions, forms[here]["fields"])
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert await db(Session.count()) == 1  # the other device stays signed in
    gone = await actions.client.get("/profile", follow_redirects=False)
    assert gone.headers["location"].startswith("/login?next=")


async def test_a_revocation_reply_carries_the_devices_list_without_that_device(
    actions: ActionClient,
) -> None:
    forms, other = await _two_devices(actions)
    html = (await actions.client.get("/profile")).text
    region = re.search(r'data-authstage-region="([^"]+)"[^>]*>\s*<ul class="items devices"', html)
    assert region is not None and region.group(1) == actions.id_of(accounts.device_list)
    refresh = msgspec.json.encode([{"action": region.group(1), "args": {}}]).decode()
    fields = {k: v for k, v in forms[other]["fields"].items() if k != "_action"}
    response = await actions.client.post(  # as the browser script sends a form
        "/_action",
        data=fields,
        headers={
            "authstage-action": actions.id_of(accounts.revoke_session),
            "authstage-refresh": refresh,
            "accept": "application/json",
        },
    )
    [entry] = response.json()["refresh"]
    assert entry["ok"] is True
    assert list(_device_rows(entry["data"])) == [
        key for key in forms if key.startswith("device-") and key != other
    ]
