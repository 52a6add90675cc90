"""Single flight: concurrent callers of one key share one execution.

The first caller runs the work in its own task (no extra task: this sits on hot paths) and
publishes the outcome on a future kept in a table under the key; concurrent callers wait on that
future through ``asyncio.shield``, so a waiter that is cancelled cancels nothing else. If the
first caller itself is cancelled, the entry is dropped and a waiter runs the work again.

Two users: ``request_cache`` (memo.py) keeps its table on the request context and leaves
finished futures in it (one execution per request); the data cache (cache.py) keeps one table
per process and drops the future once it is settled (one execution per miss), via ``keep``.

Hand-written rather than ``asyncio.Lock`` per key: a lock would run the work once per waiter
after the first finished; sharing the future hands every waiter the first result (or error).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, MutableMapping
from typing import Any, TypeVar

__all__ = ["single_flight"]

R = TypeVar("R")


async def single_flight(
    table: MutableMapping[Hashable, asyncio.Future[Any]],
    key: Hashable,
    work: Callable[[], Awaitable[R]],
    *,
    keep: bool,
) -> R:
    """Run ``work()`` once for every concurrent caller of ``key`` and return its outcome.

    ``keep``: leave the settled future in ``table`` (later callers reuse the outcome) instead
    of removing it (later callers run ``work`` again).
    """
    shared: asyncio.Future[R] | None = table.get(key)
    while shared is not None:  # someone ran it (or is running it): share the outcome
        try:
            return await asyncio.shield(shared)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not shared.cancelled() or (task is not None and task.cancelling()):
                raise  # we were cancelled ourselves
        shared = table.get(key)  # its first caller was cancelled: run it again
    shared = asyncio.get_running_loop().create_future()
    table[key] = shared
    try:
        result = await work()
    except asyncio.CancelledError:
        table.pop(key, None)
        shared.cancel()
        raise
    except BaseException as exc:
        shared.set_exception(exc)
        shared.exception()  # retrieved here: later callers re-raise it, nobody must log it
        if not keep:
            table.pop(key, None)
        raise
    shared.set_result(result)
    if not keep:
        table.pop(key, None)
    return result
