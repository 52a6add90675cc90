"""What a data export holds, and its two file shapes: one JSON document, or a ZIP around it.

``gather`` reads one user's profile, posts and todos. The profile is selected column by
column (never ``User.password_hash``, nor anything of the sessions), so what the file holds is
exactly what ``UserData`` declares. ``to_json`` encodes it; ``to_zip`` puts that JSON in a ZIP
as ``data.json`` with the avatar image next to it (``avatar.webp``, when the user has one).
The ZIP is built in memory by the standard library's ``zipfile``: an export is a user's own
rows plus one avatar of at most a few megabytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import msgspec

from actions.tables import Post, Todo
from authstage.auth import User

__all__ = ["PostData", "ProfileData", "TodoData", "UserData", "gather", "to_json", "to_zip"]


class ProfileData(msgspec.Struct):
    """The account, as the user filled it in (no password hash, no sessions)."""

    id: int
    email: str
    name: str
    bio: str
    website: str | None
    role: str
    created_at: dt.datetime


class PostData(msgspec.Struct):
    """One of the user's posts."""

    id: int
    title: str
    content: str
    likes: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TodoData(msgspec.Struct):
    """One of the user's todos."""

    id: int
    title: str
    completed: bool
    created_at: dt.datetime


class UserData(msgspec.Struct):
    """Everything an export holds."""

    exported_at: dt.datetime
    profile: ProfileData
    posts: list[PostData]
    todos: list[TodoData]


async def gather(user_id: int) -> tuple[UserData, str | None] | None:
    """The user's data and their avatar's storage key (None: no avatar); None: no such user."""
    profile = await (
        User.select(
            User.id,
            User.email,
            User.name,
            User.bio,
            User.website,
            User.role,
            User.created_at,
            User.avatar,
        )
        .where(User.id == user_id)
        .first()
    )
    if profile is None:
        return None
    avatar = profile.pop("avatar")
    posts = await (
        Post.select(Post.id, Post.title, Post.content, Post.likes, Post.created_at, Post.updated_at)
        .where(Post.author == user_id)
        .order_by(Post.id)
    )
    todos = await (
        Todo.select(Todo.id, Todo.title, Todo.completed, Todo.created_at)
        .where(Todo.owner == user_id)
        .order_by(Todo.id)
    )
    data = UserData(
        exported_at=dt.datetime.now(dt.UTC),
        profile=msgspec.convert(profile, ProfileData),
        posts=msgspec.convert(posts, list[PostData]),
        todos=msgspec.convert(todos, list[TodoData]),
    )
    return data, avatar


def to_json(data: UserData) -> bytes:
    """The export as one indented JSON document."""
    return msgspec.json.format(msgspec.json.encode(data), indent=2)


def to_zip(data: UserData, avatar: bytes | None) -> bytes:
    """The export as a ZIP: ``data.json``, and ``avatar.webp`` when there is an avatar."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", to_json(data))
        if avatar is not None:
            archive.writestr("avatar.webp", avatar)  # avatars are stored re-encoded as WebP
    return buffer.getvalue()
