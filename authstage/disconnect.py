"""Cancel the running action when its caller goes away.

ASGI tells an app that the client disconnected only through ``receive()``: once the body has
been read, the next ``receive()`` blocks until the connection closes and then answers
``http.disconnect``. ``DisconnectWatch`` turns that message into cancellation of the task
running the action, so an aborted ``fetch`` or a cancelled Python task stops the server's
work instead of letting it finish for nobody (Next.js runs every action to the end).

Watching costs a task, which would double the cost of a short call, so it is paid only by
calls that last. ``until_disconnect`` starts the action's coroutine itself: an action that
completes without waiting for anything (the no-op benchmark, a cached read) costs nothing more.
One that suspends is resumed by a small trampoline (``_Resume``) that passes every value and
exception between it and the task, exactly as ``await`` would, under a watch that starts its
watcher task only once the action has run for ``WATCH_AFTER`` (20 ms): a typical database action
is done by then and pays for one cancelled timer. A client that left earlier is noticed as soon
as the watcher starts, since ``receive()`` then answers ``http.disconnect`` at once.

On disconnect the watcher cancels the action's task; the watch turns the resulting
``CancelledError`` into ``ClientDisconnected`` (nothing is sent: nobody is listening) and
withdraws its cancellation request with ``Task.uncancel()``, so the server's own cancellation
(shutdown) still propagates normally.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from authstage.body import ClientDisconnected

if TYPE_CHECKING:
    from litestar.types import Receive

__all__ = ["WATCH_AFTER", "DisconnectWatch", "until_disconnect", "watch_rest"]

T = TypeVar("T")

#: Seconds a call runs before its client's connection is watched.
WATCH_AFTER = 0.02


async def until_disconnect(receive: Receive, coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro``, cancelling it if the client disconnects while it waits.

    Raises:
        ClientDisconnected: the client went away and ``coro`` was cancelled.
    """
    try:
        first = coro.send(None)
    except StopIteration as done:  # finished without suspending: nothing to watch
        return done.value  # type: ignore[no-any-return]
    return await watch_rest(receive, coro, first)


async def watch_rest(receive: Receive, coro: Coroutine[Any, Any, T], first: Any) -> T:
    """The rest of ``coro``, which suspended at ``first`` when sent ``None``, under a watch.

    For a caller that starts the coroutine itself (``until_disconnect`` does, and so does the
    dispatcher's step 6, to spare itself one coroutine per call).

    Raises:
        ClientDisconnected: the client went away and ``coro`` was cancelled.
    """
    with DisconnectWatch(receive):
        return await _Resume(coro, first)


class _Resume(Generic[T]):
    """Awaitable continuing a coroutine that already ran up to its first suspension."""

    __slots__ = ("coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, T], first: Any) -> None:
        self.coro = coro
        self.first = first

    def __await__(self) -> Generator[Any, Any, T]:
        coro, message = self.coro, self.first
        while True:
            try:
                sent = yield message
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # thrown in by the task (CancelledError included)
                try:
                    message = coro.throw(exc)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
            else:
                try:
                    message = coro.send(sent)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]


class DisconnectWatch:
    """``with DisconnectWatch(receive): await work()``: cancel ``work`` if the client leaves.

    Use it only after the request body has been read in full: the watcher consumes
    ``receive()`` messages. The watcher task starts ``after`` seconds into the block (a block
    that ends sooner costs one cancelled timer).

    Raises:
        ClientDisconnected: on leaving the block, when the client disconnected inside it.
    """

    __slots__ = ("_after", "_handle", "_receive", "_task", "_watcher", "disconnected")

    def __init__(self, receive: Receive, *, after: float = WATCH_AFTER) -> None:
        self._receive = receive
        self._after = after
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._watcher: asyncio.Task[None] | None = None
        #: True once the client disconnected inside the block.
        self.disconnected = False

    def __enter__(self) -> DisconnectWatch:
        self._task = asyncio.current_task()
        if self._task is not None:
            # An empty context: the timer and the watcher must not keep the request's alive.
            self._handle = asyncio.get_running_loop().call_later(
                self._after, self._start, context=contextvars.Context()
            )
        return self

    def _start(self) -> None:
        """The block is still running: start waiting for the disconnect."""
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
        task, self._task = self._task, None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._watcher is not None:
            self._watcher.cancel()
            # The cancelled watcher's traceback holds this object: break the cycle now rather
            # than leave one per request to the garbage collector.
            self._watcher = None
        if self.disconnected:
            assert task is not None
            task.uncancel()
            raise ClientDisconnected from None
