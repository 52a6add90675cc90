"""Actions that show each part of the protocol a client sees; the generated clients' suites call
them against a live server.

- ``schedule``: Struct arguments and results with dates, literals, lists and optional fields;
- ``upload_file``: a file parameter (multipart), checked and summarised;
- ``sleep``, ``wait_then_record`` and ``was_recorded``: slow calls, to show that calls run in
  parallel and that a cancelled call stops the server's work;
- ``bump`` and ``counter``: a counted mutation that revalidates, to show idempotency keys and
  cache hints;
- ``remember`` and ``recall``: a cookie round trip; ``secret_number``: needs a signed-in user;
- ``go_to``: a redirect; ``confirm_password``: field and form errors; ``crash``: an unexpected
  exception (``INTERNAL`` with a digest).

State lives in this process's memory and is bounded; nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections import Counter
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from authstage import (
    FileRule,
    UploadedFile,
    ValidationFailed,
    action,
    cookies,
    depends_on,
    redirect,
    revalidate_path,
    revalidate_tag,
    set_cookie,
)

__all__ = [
    "Event",
    "Scheduled",
    "UploadInfo",
    "bump",
    "confirm_password",
    "counter",
    "crash",
    "go_to",
    "recall",
    "remember",
    "schedule",
    "secret_number",
    "sleep",
    "upload_file",
    "wait_then_record",
    "was_recorded",
]

Seconds = Annotated[float, Meta(ge=0, le=5)]
Name = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]

_MAX_ENTRIES = 10_000
_recorded: set[str] = set()
_counts: Counter[str] = Counter()
NAME_COOKIE = "showcase_name"


class Event(msgspec.Struct, forbid_unknown_fields=True):
    """Something to put in the calendar."""

    title: Annotated[str, Meta(min_length=1, max_length=200)]
    starts_at: dt.datetime
    kind: Literal["meeting", "call", "focus"] = "meeting"
    tags: list[Annotated[str, Meta(max_length=30)]] = []
    attendees: Annotated[int, Meta(ge=1, le=500)] | None = None


class Scheduled(msgspec.Struct):
    """An event as the calendar keeps it."""

    id: str
    event: Event
    weekday: str
    day: dt.date


class UploadInfo(msgspec.Struct):
    """What the server saw of an uploaded file."""

    filename: str
    content_type: str
    size: int
    #: BLAKE2b-128 of the content, in hex.
    checksum: str
    caption: str


@action(public=True)
async def schedule(event: Event) -> Scheduled:
    """Put an event in the calendar; its ID is derived from its title and start."""
    key = f"{event.title}\0{event.starts_at.isoformat()}".encode()
    return Scheduled(
        id=hashlib.sha256(key).hexdigest()[:12],
        event=event,
        weekday=event.starts_at.strftime("%A"),
        day=event.starts_at.date(),
    )


@action(public=True)
async def upload_file(
    file: Annotated[UploadedFile, FileRule(max_size=512 << 10, allow_empty=True)],
    caption: Annotated[str, Meta(max_length=200)] = "",
) -> UploadInfo:
    """Receive one file (at most 512 KiB: 413 while it streams in) and describe it."""
    digest = hashlib.blake2b(digest_size=16)
    for chunk in file.chunks():
        digest.update(chunk)
    return UploadInfo(
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        checksum=digest.hexdigest(),
        caption=caption,
    )


@action(public=True)
async def sleep(seconds: Seconds) -> float:
    """Wait ``seconds`` (at most 5) and return them."""
    await asyncio.sleep(seconds)
    return seconds


@action(public=True)
async def wait_then_record(tag: Name, seconds: Seconds) -> str:
    """Wait, then record ``tag``: a cancelled call never records it."""
    await asyncio.sleep(seconds)
    if len(_recorded) >= _MAX_ENTRIES:
        _recorded.clear()
    _recorded.add(tag)
    return tag


@action(public=True)
async def was_recorded(tag: Name) -> bool:
    """True once ``wait_then_record(tag)`` ran to its end."""
    return tag in _recorded


@action(public=True)
async def bump(name: Name, by: Annotated[int, Meta(ge=1, le=100)] = 1) -> int:
    """Add ``by`` to the counter ``name`` and return it; revalidates the ``counters`` tag."""
    if name not in _counts and len(_counts) >= _MAX_ENTRIES:
        _counts.clear()
    _counts[name] += by
    revalidate_tag("counters")
    revalidate_path("/counters")
    return _counts[name]


@action(public=True)
@depends_on(tags=["counters"])
async def counter(name: Name) -> int:
    """The counter ``name`` (0 when never bumped); ``bump`` can refresh it in its reply."""
    return _counts[name]


@action(public=True)
async def remember(name: Name) -> None:
    """Keep ``name`` in a cookie for an hour."""
    set_cookie(NAME_COOKIE, name, max_age=3600)


@action(public=True)
async def recall() -> str | None:
    """The name kept by ``remember``, read back from the cookie."""
    return cookies().get(NAME_COOKIE)


@action
async def secret_number() -> int:
    """A number only signed-in users may see."""
    return 42


@action(public=True)
async def go_to(path: str) -> None:
    """Redirect to ``path`` (a same-origin path; anything else is refused)."""
    redirect(path)


@action(public=True)
async def confirm_password(
    password: Annotated[str, Meta(min_length=8, max_length=128)], confirm: str
) -> bool:
    """Check that two passwords match: a form error when they do not."""
    if password != confirm:
        raise ValidationFailed(
            "The passwords do not match", form_errors=["The passwords do not match"]
        )
    return True


@action(public=True)
async def crash() -> None:
    """Fail unexpectedly: the caller gets INTERNAL and a digest, never the message."""
    raise RuntimeError("the showcase crashed on purpose")
