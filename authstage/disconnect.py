"""Cancel the running action when its caller goes away.

ASGI tells an app that the client disconnected only through ``receive()``: once the body has
been read, the next ``receive()`` blocks until the connection closes and then answers
``http.disconnect``. ``DisconnectWatch`` turns that message into cancellation of the task
running the action, so an aborted ``fetch`` or a cancelled Python task stops the server's
work instead of letting it finish for nobody (Next.js runs every action to the end).

The watch is lazy, because the common call never waits: entering it only schedules a callback
for the next turn of the event loop. An action that completes without suspending (the no-op
benchmark) exits the watch first and pays for one cancelled callback, no task. An action that
awaits I/O lets the loop turn, the callback starts one watcher task, and that task waits on
``receive()`` for as long as the action runs.

On disconnect the watcher cancels the action's task; the watch turns the resulting
``CancelledError`` into ``ClientDisconnected`` (nothing is sent: nobody is listening) and
withdraws its cancellation request with ``Task.uncancel()``, so the server's own cancellation
(shutdown) still propagates normally.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING

from authstage.body import ClientDisconnected

if TYPE_CHECKING:
    from litestar.types import Receive

__all__ = ["DisconnectWatch"]


class DisconnectWatch:
    """``with DisconnectWatch(receive): await work()``: cancel ``work`` if the client leaves.

    Use it only after the request body has been read in full: the watcher consumes
    ``receive()`` messages.

    Raises:
        ClientDisconnected: on leaving the block, when the client disconnected inside it.
    """

    __slots__ = ("_handle", "_receive", "_task", "_watcher", "disconnected")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.Handle | None = None
        self._watcher: asyncio.Task[None] | None = None
        #: True once the client disconnected inside the block.
        self.disconnected = False

    def __enter__(self) -> DisconnectWatch:
        self._task = asyncio.current_task()
        if self._task is not None:
            self._handle = asyncio.get_running_loop().call_soon(self._start)
        return self

    def _start(self) -> None:
        """The block suspended for the first time: start waiting for the disconnect."""
        self._handle = None
        self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
        self.disconnected = True
        assert self._task is not None
        self._task.cancel()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        if self.disconnected:
            assert self._task is not None
            self._task.uncancel()
            raise ClientDisconnected from None
