"""``request_cache``: memoize an async function for the length of one request (React's ``cache()``).

Within one request, calls with equal arguments share one execution: the first call starts it,
later and concurrent calls await the same result (or the same exception). The memo lives on
the request's context, so nothing leaks between requests. Outside a request the function simply
runs. Arguments must be hashable; a call with unhashable arguments runs uncached.

The shared execution is an ``asyncio`` task so that a caller cancelled while waiting does not
cancel the work other callers of the same request are waiting on.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from authstage.context import current_var

__all__ = ["request_cache"]

P = ParamSpec("P")
R = TypeVar("R")


def request_cache(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
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
            task: asyncio.Future[R] | None = ctx.memo.get(key)
        except TypeError:  # unhashable arguments
            return await fn(*args, **kwargs)
        if task is None:
            task = asyncio.ensure_future(fn(*args, **kwargs))
            ctx.memo[key] = task
        return await asyncio.shield(task)

    return cached
