"""The avatar upload from the seeds (``uploadAvatar``): JPEG, PNG or WebP, at most 5 MB.

The seeds trust the browser's ``file.type`` and write the bytes as sent under ``public/``;
here the rules sit in the annotation (checked while the body streams in, on the detected type),
the image is re-encoded to WebP under a pixel limit (no EXIF, nothing appended survives) and
stored through ``Storage`` (``./uploads`` by default, ``AUTHSTAGE_STORAGE_URL`` in production).
The page serves it from ``/media/avatars/<name>`` (``avatar_file``), so any store works.

The profile page shows the avatar as a region (``avatar_image``, a fragment on ``/profile``):
an upload revalidates the path, so with JavaScript the new image replaces the old one in the
upload's own reply; without it, the page after the redirect shows it.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from authstage import FileRule, Storage, UploadedFile, action, fragment, revalidate_path
from authstage.auth import User, require_user, user_changed

__all__ = ["AVATAR_RULE", "AvatarOut", "avatar_file", "avatar_image", "storage", "upload_avatar"]

#: The seeds' rules: these three types, 5 MB.
AVATAR_RULE = FileRule(max_size=5 * 1024 * 1024, types={"image/jpeg", "image/png", "image/webp"})
#: An avatar is shown small: about 4000 x 4000 pixels is more than enough.
MAX_PIXELS = 16_000_000
#: Where avatars are stored; served under ``/media`` by ``avatar_file``.
storage = Storage(public_url="/media")


class AvatarOut(msgspec.Struct):
    """The stored avatar's address."""

    url: str


@action(max_body_size=6 * 1024 * 1024)  # the file's 5 MB and the form around it
async def upload_avatar(avatar: Annotated[UploadedFile, AVATAR_RULE]) -> AvatarOut:
    """Replace the signed-in user's avatar."""
    user = await require_user()
    stored = await storage.save_image(
        avatar, prefix="avatars/", field="avatar", max_pixels=MAX_PIXELS
    )
    await User.update({User.avatar: stored.key}).where(User.id == user.id)
    await user_changed(user.id)
    if user.avatar and user.avatar.startswith("avatars/"):
        await storage.delete(user.avatar)
    revalidate_path("/profile")
    return AvatarOut(url=stored.url or stored.key)


@action
@fragment("profile/_avatar.html", paths=["/profile"])
async def avatar_image() -> dict[str, Any]:
    """The signed-in user's avatar (or initial), as the profile page shows it."""
    user = await require_user()
    # Read again, not taken from the session: refreshed in the reply of the upload that just
    # changed it, whose session (read once per request) still names the old image.
    row = await User.select(User.name, User.avatar).where(User.id == user.id).first()
    return {"user": row}


@get("/media/avatars/{name:str}", name="avatar_file")
async def avatar_file(name: FromPath[str]) -> Response[bytes]:
    """An avatar's bytes (they were re-encoded to WebP when stored)."""
    if "/" in name or name.startswith("."):
        raise NotFoundException()
    try:
        data = await storage.read(f"avatars/{name}")
    except FileNotFoundError:
        raise NotFoundException() from None
    headers = {"cache-control": "public, max-age=31536000, immutable"}
    return Response(data, media_type="image/webp", headers=headers)
