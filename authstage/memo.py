"""``request_cache``: memoize an async function for the length of one request (React's ``cache()``).

Within one request, calls with equal arguments share one execution: the first call starts it,
later and concurrent calls await the same result (or the same exception). The memo lives on
the request's context, so nothing leaks between requests. Outside a request the function simply
runs. Arguments must be hashable; a call with unhashable arguments runs uncached.

The first caller runs the function in its own task (no extra task: this sits on the path of every
signed-in request) and publishes the outcome on a future; concurrent callers wait on that future
through ``asyncio.shield``, so a waiter that is cancelled cancels nothing else. If the first
caller itself is cancelled, the entry is dropped and a waiter runs the function again.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from authstage.context import current_var

__all__ = ["request_cache"]

P = ParamSpec("P")
R = TypeVar("R")


def request_cache(fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Memoize ``fn`` per request: same arguments in one request, one execution.

    Example:
        >>> @request_cache
        ... async def get_session() -> Session | None:
        ...     return await Session.objects().where(...).first()
    """

    @functools.wraps(fn)
    async def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = current_var.get(None)
        if ctx is None:
            return await fn(*args, **kwargs)
        try:
            key: Any = (fn, args, frozenset(kwargs.items()) if kwargs else None)
            shared: asyncio.Future[R] | None = ctx.memo.get(key)
        except TypeError:  # unhashable arguments
            return await fn(*args, **kwargs)
        while shared is not None:  # someone ran it (or is running it): share the outcome
            try:
                return await asyncio.shield(shared)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not shared.cancelled() or (task is not None and task.cancelling()):
                    raise  # we were cancelled ourselves
            shared = ctx.memo.get(key)  # its first caller was cancelled: run it again
        shared = asyncio.get_running_loop().create_future()
        ctx.memo[key] = shared
        try:
            result = await fn(*args, **kwargs)
        except asyncio.CancelledError:
            del ctx.memo[key]
            shared.cancel()
            raise
        except BaseException as exc:
            shared.set_exception(exc)
            shared.exception()  # retrieved here: later callers re-raise it, nobody must log it
            raise
        shared.set_result(result)
        return result

    return cached
