"""Bounded waits that never lose a cancellation, for the framework's background loops.

The session channel's supervisor (auth/invalidation.py) and the database job runner
(jobs/database.py) spend their lives waiting, for an event or until a poll interval has passed,
and are stopped by cancelling them at shutdown. On Python 3.11 ``asyncio.wait_for`` can swallow
that cancellation: when the wait it guards ends in the same turn of the loop as the cancel
arrives (the event set, or the interval up), ``wait_for`` returns normally, the task keeps
looping, and the shutdown that awaits it waits forever on an idle loop (CPython gh-86296, fixed
by 3.12's rewrite of ``wait_for`` over ``asyncio.timeout``). Test runs hung on exactly that,
about one full run in four.

So the loops wait through these two helpers instead:

- ``event_within(event, seconds)``: ``asyncio.timeout`` around ``event.wait()``. A timeout
  that expires is told apart from a cancellation from outside by the task's cancel count
  (``Task.uncancel``), so the outside one always propagates;
- ``stop_task(task)``: cancel, then wait in bounded steps, cancelling again while it runs, so
  a task that did swallow one (third-party code inside it may use ``wait_for``) still ends.

Hand-written because the standard library has the parts (``asyncio.timeout``, ``Task.cancel``)
but no bounded "stop this task" and no event wait with a deadline that returns a boolean.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

__all__ = ["event_within", "stop_task"]

logger = logging.getLogger("authstage")


async def event_within(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event``; whether it is set. A cancellation of the caller
    propagates, whenever it arrives."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def stop_task(task: asyncio.Task[Any], *, step: float = 1.0, attempts: int = 10) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again every ``step`` seconds
    while it keeps running (at most ``attempts`` times, then it is left behind with one log
    line). Its own outcome (a result, an error, the cancellation) is not raised here; a
    cancellation of the caller is."""
    for _ in range(attempts):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=step)
    else:
        if not task.done():
            logger.warning("task %s did not stop after %d cancellations", task.get_name(), attempts)
            return
    if not task.cancelled():
        task.exception()  # retrieved: an error it ended with is not "never retrieved" noise
