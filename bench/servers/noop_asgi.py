"""Peer: a Litestar ``@asgi`` handler doing the msgspec decode and encode by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar import Litestar, asgi

from bench.servers.common import AddArgs

if TYPE_CHECKING:
    from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send

__all__ = ["create_app"]

_decode = msgspec.json.Decoder(AddArgs).decode
_encode = msgspec.json.Encoder().encode


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


@asgi("/add", copy_scope=False)
async def add_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """Decode ``{"a", "b"}``, send the sum (422 on invalid input)."""
    try:
        args = _decode(await _read_body(receive))
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        status, body = 422, _encode({"detail": str(exc)})
    else:
        status, body = 200, _encode(args.a + args.b)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def create_app() -> Litestar:
    """A Litestar app with the one handler."""
    return Litestar(route_handlers=[add_asgi])
