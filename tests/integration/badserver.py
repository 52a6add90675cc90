"""A server that speaks HTTP but not the action protocol, for the clients' bad-input tests.

It serves a well-formed manifest (so the client finds its action IDs), then answers every
``POST`` with the raw bytes it was given: a proxy's HTML 502, an error code from the future,
a body that is not JSON, a truncated body, or nothing at all (the connection drops).
"""

from __future__ import annotations

import asyncio
import json

__all__ = ["MANIFEST", "BadServer", "http_reply"]

MANIFEST = {
    "version": 1,
    "manifest": "0" * 32,
    "contract": "0" * 32,
    "actions": {"actions.demo.add": "a" * 42, "actions.showcase.bump": "b" * 42},
}


def http_reply(status: str, content_type: str, body: bytes, length: int | None = None) -> bytes:
    """A raw HTTP/1.1 response (``length`` may lie, to cut a body short)."""
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    )
    return head.encode() + body


class BadServer:
    """``async with BadServer(reply) as url``: POSTs get ``reply`` (None: the line drops)."""

    def __init__(self, reply: bytes | None, manifest: bytes | None = None) -> None:
        self.reply = reply
        self.manifest = manifest or http_reply(
            "200 OK", "application/json", json.dumps(MANIFEST).encode()
        )
        self.posts = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method = lines[0].split(" ", 1)[0]
                length = next(
                    (
                        int(v)
                        for k, _, v in (x.partition(":") for x in lines)
                        if k.lower() == "content-length"
                    ),
                    0,
                )
                await reader.readexactly(length)
                if method == "GET":
                    writer.write(self.manifest)
                    await writer.drain()
                    continue
                self.posts += 1
                if self.reply is None:
                    writer.transport.abort()
                    return
                writer.write(self.reply)
                await writer.drain()
                writer.close()
                return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
