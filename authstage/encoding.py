"""The response envelope and the raw ASGI sends that carry it.

Success: ``{"ok": true, "data": <value>}``, plus ``"redirect": "/path"`` and
``"revalidate": {"paths": [...], "tags": [...]}`` when the action asked for them, and
``"refresh": [...]`` when the caller asked for reads to be refreshed (refresh.py).
Failure: ``{"ok": false, "error": {"code", "message", "fieldErrors", "formErrors", "digest"}}``
with the status from the code table. The value bytes come from the action's own encoder
(``ActionSignature.encode_result``); the envelope is joined around them without re-encoding.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from authstage.errors import CODE_STATUS, ErrorBody

if TYPE_CHECKING:
    from litestar.types import HTTPResponseStartEvent, Send

__all__ = ["Reply", "error_envelope", "send_json", "send_redirect", "success_envelope"]

_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")
_NO_STORE = (b"cache-control", b"no-store")


class Reply(NamedTuple):
    """A finished JSON reply, ready to send (or to keep, for idempotent replays)."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]


class Revalidate(msgspec.Struct):
    """Paths and tags the client should refresh."""

    paths: list[str]
    tags: list[str]


def success_envelope(
    data: bytes,
    redirect: str | None = None,
    paths: list[str] | None = None,
    tags: list[str] | None = None,
    refresh: bytes | None = None,
) -> bytes:
    """The success envelope around already-encoded ``data`` (and ``refresh`` entries)."""
    if redirect is None and not paths and not tags and refresh is None:
        return b'{"ok":true,"data":' + data + b"}"
    parts = [b'{"ok":true,"data":', data]
    if redirect is not None:
        parts += [b',"redirect":', _encode(redirect)]
    if paths or tags:
        parts += [b',"revalidate":', _encode(Revalidate(paths or [], tags or []))]
    if refresh is not None:
        parts += [b',"refresh":', refresh]
    parts.append(b"}")
    return b"".join(parts)


def error_envelope(error: ErrorBody) -> tuple[int, bytes]:
    """The status and the failure envelope of ``error``."""
    return CODE_STATUS.get(error.code, 500), b'{"ok":false,"error":' + _encode(error) + b"}"


async def send_json(
    send: Send, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Send a complete JSON response."""
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [_JSON, _NO_STORE, (b"content-length", b"%d" % len(body)), *headers],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_redirect(
    send: Send, location: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Send ``303 See Other`` to ``location`` (a path already checked to be same-origin)."""
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 303,
        "headers": [
            (b"location", location.encode("latin-1", errors="strict")),
            (b"content-length", b"0"),
            _NO_STORE,
            *headers,
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
