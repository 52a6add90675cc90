"""``request_cache``: memoize an async function for the length of one request (React's ``cache()``).

Within one request, calls with equal arguments share one execution: the first call starts it,
later and concurrent calls await the same result (or the same exception). The memo lives on
the request's context, so nothing leaks between requests. Outside a request the function simply
runs. Arguments must be hashable; a call with unhashable arguments runs uncached.

Concurrent callers share the first one's execution (``flight.single_flight``): a waiter that
is cancelled cancels nothing else; if the first caller is cancelled, a waiter runs it again.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from authstage.context import current_var
from authstage.flight import single_flight

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
            hash(key)
        except TypeError:  # unhashable arguments
            return await fn(*args, **kwargs)
        return await single_flight(ctx.memo, key, lambda: fn(*args, **kwargs), keep=True)

    return cached
