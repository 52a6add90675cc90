"""Reading a request body from ASGI ``receive`` under a size limit.

The limit is enforced twice: against ``Content-Length`` before a byte is read, and against
the running total while chunks stream in (a chunked upload has no length). Either way the
caller gets ``PayloadTooLarge`` (413) as soon as the limit is crossed, never after buffering the
whole body. Next.js turns an oversize body into a 500 for fetch callers; this is the fix. A
multipart body is not read whole at all: formstream.py parses it as it streams, under the same
two checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authstage.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from litestar.types import Receive

__all__ = ["ClientDisconnected", "check_declared", "read_body", "too_large"]


class ClientDisconnected(Exception):
    """The client went away before the body was read; nothing is sent back."""


def too_large(limit: int) -> PayloadTooLarge:
    """The 413 error for a body over ``limit`` bytes."""
    return PayloadTooLarge(f"The request body is larger than this action's limit of {limit} bytes")


def check_declared(content_length: bytes | None, limit: int) -> None:
    """Refuse a body whose ``Content-Length`` is over ``limit`` before a byte is read.

    Raises:
        PayloadTooLarge: the declared size is over ``limit``.
        BadRequest: ``Content-Length`` is not a number.
    """
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
        if declared > limit:
            raise too_large(limit)


async def read_body(receive: Receive, content_length: bytes | None, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes.

    Raises:
        PayloadTooLarge: the declared or streamed size is over ``limit``.
        BadRequest: ``Content-Length`` is not a number.
        ClientDisconnected: the client disconnected mid-body.
    """
    check_declared(content_length, limit)
    message = await receive()
    if message["type"] != "http.request":
        raise ClientDisconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise too_large(limit)
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
