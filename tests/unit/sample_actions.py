"""Actions used by the unit tests; ``CALLS`` counts executions so tests can prove nothing ran."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import Counter
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from authstage import (
    FileRule,
    UploadedFile,
    ValidationFailed,
    action,
    cookies,
    headers,
    not_found,
    redirect,
    revalidate_path,
    revalidate_tag,
    set_cookie,
)

CALLS: Counter[str] = Counter()


class NewPost(msgspec.Struct):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    content: Annotated[str, msgspec.Meta(min_length=3)]
    tags: list[str] = []
    published: bool = False


class PostOut(msgspec.Struct):
    id: int
    title: str


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Everything(msgspec.Struct):
    when: dt.datetime
    day: dt.date
    ident: uuid.UUID
    price: Decimal
    color: Color
    maybe: int | None = None
    mapping: dict[str, int] = {}


@action(public=True)
async def add(a: int, b: int) -> int:
    CALLS["add"] += 1
    return a + b


@action(public=True)
async def create_post(data: NewPost) -> PostOut:
    CALLS["create_post"] += 1
    revalidate_path("/posts")
    revalidate_tag("posts")
    # A dict with a field PostOut does not declare: it must not reach the caller.
    return {"id": 7, "title": data.title, "password_hash": "argon2id$secret"}  # type: ignore[return-value]


@action(public=True)
async def echo_everything(value: Everything) -> Everything:
    CALLS["echo_everything"] += 1
    return value


@action(public=True)
async def free_json(payload: dict[str, Any]) -> int:
    CALLS["free_json"] += 1
    return len(payload)


@action
async def private_thing() -> str:
    CALLS["private_thing"] += 1
    return "secret"


@action(public=True)
async def go_dashboard() -> None:
    CALLS["go_dashboard"] += 1
    redirect("/dashboard")


@action(public=True)
async def go_elsewhere(target: str) -> None:
    CALLS["go_elsewhere"] += 1
    redirect(target)


@action(public=True)
async def missing() -> None:
    not_found("No such post")


@action(public=True)
async def boom() -> None:
    CALLS["boom"] += 1
    raise RuntimeError("database password is hunter2")


@action(public=True)
async def wrong_result() -> int:
    return "not an int"  # type: ignore[return-value]


@action(public=True)
async def title_taken(title: str) -> None:
    raise ValidationFailed("Title taken", field_errors={"title": ["Already taken"]})


@action(public=True, max_body_size=64)
async def tiny(text: str) -> int:
    CALLS["tiny"] += 1
    return len(text)


#: The rule of ``ruled_upload``: a PNG of at most 64 KiB.
PNG_RULE = FileRule(max_size=64 << 10, types={"image/png"})


@action(public=True, max_body_size=1 << 20)
async def ruled_upload(avatar: Annotated[UploadedFile, PNG_RULE]) -> int:
    CALLS["ruled_upload"] += 1
    return avatar.size


@action(public=True, max_body_size=4 << 20)
async def upload(avatar: UploadedFile, caption: str = "") -> dict[str, Any]:
    CALLS["upload"] += 1
    avatar.check(field="avatar", types={"image/png"}, max_size=3 << 20)
    return {"name": avatar.filename, "size": avatar.size, "caption": caption}


@action(public=True)
async def signup(email: str, password: Annotated[str, msgspec.Meta(min_length=8)]) -> str:
    CALLS["signup"] += 1
    return email


@action(public=True)
async def delete_post(post_id: int, reason: str = "") -> str:
    CALLS["delete_post"] += 1
    return f"deleted {post_id} {reason}".strip()


@action(public=True)
async def whoami() -> dict[str, str]:
    set_cookie("seen", "yes", max_age=60)
    return {"agent": headers().get("user-agent", ""), "theme": cookies().get("theme", "")}


@action(public=True)
async def checkbox(agree: bool, count: int = 1, note: str | None = None) -> list[Any]:
    return [agree, count, note]


@action(public=True, name="stable.kw")
async def keywords(a: int, *, b: int = 2) -> int:
    return a * b
