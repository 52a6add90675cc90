"""The demo's avatar upload: the seeds' rules, re-encoded, stored, shown on the profile page at
once (after the no-JS redirect, or in the upload's own reply as the page's avatar region)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import msgspec
import pytest

from actions import avatars
from authstage import Storage
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import db, error_of, signup
from tests.unit.imagefiles import image_bytes, png_claiming


def stored(folder: Path, pattern: str = "*.*") -> list[Path]:
    return list(folder.rglob(pattern))


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setattr(avatars, "storage", Storage(folder.as_uri(), public_url="/media"))
    return folder


async def upload(
    actions: ActionClient, name: str, data: bytes, ctype: str = "image/png"
) -> httpx.Response:
    return await actions.client.post(
        "/_action",
        files={"avatar": (name, data, ctype)},
        headers={"authstage-action": actions.id_of(avatars.upload_avatar)},
    )


async def test_an_avatar_is_reencoded_stored_and_shown(
    actions: ActionClient, storage: Path
) -> None:
    await signup(actions)
    response = await upload(actions, "me.jpg", image_bytes("JPEG", (64, 64)), "image/jpeg")
    url = response.json()["data"]["url"]
    assert url.startswith("/media/avatars/") and url.endswith(".webp")
    served = await actions.client.get(url)
    assert served.headers["content-type"] == "image/webp" and served.content[8:12] == b"WEBP"
    page = await actions.client.get("/profile")
    assert f'src="{url}"' in page.text
    again = await upload(actions, "me2.png", image_bytes("PNG", (32, 32)))
    assert again.status_code == 200
    assert len(stored(storage, "*.webp")) == 1  # the old avatar was deleted


async def test_a_new_avatar_shows_on_the_profile_after_the_no_js_redirect(
    actions: ActionClient, storage: Path
) -> None:
    await signup(actions)
    before = await actions.client.get("/profile")
    assert "<img" not in avatar_region(before.text)
    response = await actions.form(
        avatars.upload_avatar,
        {},
        files={"avatar": ("me.png", image_bytes("PNG", (16, 16)), "image/png")},
        referer="http://testserver.local/profile",
    )
    assert (response.status_code, response.headers["location"]) == (303, "/profile")
    after = (await actions.client.get("/profile")).text
    (key,) = [r["avatar"] for r in await db(User.select(User.avatar))]
    assert f'<img src="/media/{key}"' in avatar_region(after)
    assert "Avatar saved." in after


async def test_the_upload_reply_carries_the_new_avatar_for_the_page(
    actions: ActionClient, storage: Path
) -> None:
    await signup(actions, name="Ada")
    page = (await actions.client.get("/profile")).text
    region = re.search(r"data-authstage-region=\"([^\"]+)\"", page)
    assert region is not None and region.group(1) == actions.id_of(avatars.avatar_image)
    assert "A</span>" in avatar_region(page)  # the initial, until there is an image
    refresh = msgspec.json.encode([{"action": region.group(1), "args": {}}]).decode()
    response = await actions.client.post(
        "/_action",
        files={"avatar": ("me.png", image_bytes("PNG", (16, 16)), "image/png")},
        headers={
            "authstage-action": actions.id_of(avatars.upload_avatar),
            "authstage-refresh": refresh,
        },
    )
    body = response.json()
    [entry] = body["refresh"]
    assert entry["ok"] is True
    assert f'<img src="{body["data"]["url"]}"' in entry["data"]


def avatar_region(html: str) -> str:
    """What the page's avatar region shows."""
    found = re.search(r'<div class="avatar" id="avatar">(.*?)</div>', html, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("shell.png", b"#!/bin/sh\nrm -rf /\n", 422),
        ("bomb.png", png_claiming(100_000, 100_000), 422),
        ("big.png", image_bytes("PNG", (8, 8)) + b"\0" * (5 * 2**20), 413),
    ],
)
async def test_bad_avatars_are_refused_and_nothing_is_stored(
    actions: ActionClient, storage: Path, name: str, data: bytes, status: int
) -> None:
    await signup(actions)
    response = await upload(actions, name, data)
    assert response.status_code == status
    assert "avatar" in error_of(response)["fieldErrors"]
    assert not stored(storage)
