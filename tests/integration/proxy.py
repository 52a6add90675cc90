"""A TCP proxy in front of the live server, for what a network does to clients.

It forwards bytes both ways, like a load balancer. A test can make it lose the next reply (the
request reaches the server, the answer never reaches the client: a dropped connection), or
move it to another upstream and cut every open connection (a deploy or a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

__all__ = ["Proxy"]


class Proxy:
    """``async with Proxy(upstream_url) as proxy``: clients connect to ``proxy.url``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.drop_replies = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def move_to(self, upstream: str) -> None:
        """Send new connections to ``upstream`` and cut the open ones."""
        self.upstream = upstream
        self.cut()

    def cut(self) -> None:
        """Close every open connection."""
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = urlsplit(self.upstream)
        try:
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer, drop=False),
            self._pump(up_reader, writer, drop=True),
            return_exceptions=True,
        )
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.close()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, drop: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while chunk := await reader.read(65536):
                if drop and self.drop_replies > 0:
                    self.drop_replies -= 1
                    await asyncio.sleep(0.1)  # let the server finish; the client gets nothing
                    writer.transport.abort()
                    return
                writer.write(chunk)
                await writer.drain()
        writer.close()
