"""Bounded waits of the background loops: an event with a deadline, and stopping a task, never
losing a cancellation (the shutdown hang of Python 3.11's ``asyncio.wait_for``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import pytest

from authstage.auth.invalidation import ListeningChannel
from authstage.auth.sessioncache import SessionCache
from authstage.waits import event_within, stop_task


async def test_an_event_within_its_deadline_is_true_and_a_missed_one_false() -> None:
    event = asyncio.Event()
    assert await event_within(event, 0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await event_within(event, 5) is True
    assert await event_within(event, 0) is True  # already set


async def _loop_on(event: asyncio.Event) -> None:
    while True:
        await event_within(event, 10)
        event.clear()


async def test_a_cancel_arriving_as_the_event_is_set_stops_the_loop() -> None:
    # The race asyncio.wait_for loses on Python 3.11: the wait ends and the cancel arrives in
    # the same turn of the loop; the loop must stop, not go round again.
    for _ in range(20):
        event = asyncio.Event()
        task = asyncio.create_task(_loop_on(event))
        await asyncio.sleep(0)  # waiting
        event.set()
        task.cancel()
        await asyncio.wait({task}, timeout=2)
        assert task.cancelled()


async def test_stop_task_ends_a_task_that_swallows_a_cancellation() -> None:
    async def stubborn() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # a lost cancellation, seen outside
            await asyncio.sleep(30)
        await asyncio.sleep(30)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(stop_task(task, step=0.05), 5)
    assert task.cancelled()


async def test_stop_task_leaves_an_unstoppable_task_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def immortal() -> None:
        while True:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="authstage"):
        await stop_task(task, step=0.01, attempts=3)
    assert not task.done()
    assert [r.getMessage() for r in caplog.records] == [
        "task immortal did not stop after 3 cancellations"
    ]
    task.get_coro().close()  # let it go without a warning


class _Channel(ListeningChannel):
    """A channel whose connection is always up; its check never fails."""

    name = "test"
    check_interval = 0.05

    async def _connect(self) -> None:
        return None

    async def _check(self) -> None:
        return None

    async def _disconnect(self) -> None:
        return None


async def test_a_channel_lost_and_closed_in_one_turn_closes_at_once() -> None:
    for _ in range(20):
        channel = _Channel()
        cache = SessionCache(size=10, ttl=dt.timedelta(minutes=1), absolute=dt.timedelta(days=1))
        await channel.start(cache)
        for _ in range(1000):
            if channel.connected:
                break
            await asyncio.sleep(0.001)
        channel.lose()
        await asyncio.wait_for(channel.close(), 2)
        assert not cache.enabled
