"""request_cache: one execution per arguments per request (React's cache())."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from authstage import request_cache
from authstage.context import RequestContext, current_var

runs: list[int] = []


@request_cache
async def lookup(user_id: int) -> dict[str, int]:
    runs.append(user_id)
    await asyncio.sleep(0.01)
    return {"id": user_id}


def in_request() -> Any:
    return current_var.set(RequestContext({"type": "http", "headers": []}, None))  # type: ignore[arg-type]


async def test_same_arguments_one_execution_per_request() -> None:
    runs.clear()
    token = in_request()
    try:
        first = await lookup(1)
        assert await lookup(1) is first
        await lookup(2)
    finally:
        current_var.reset(token)
    assert runs == [1, 2]


async def test_concurrent_calls_share_the_execution() -> None:
    runs.clear()
    token = in_request()
    try:
        results = await asyncio.gather(*(lookup(5) for _ in range(10)))
    finally:
        current_var.reset(token)
    assert runs == [5]
    assert all(r is results[0] for r in results)


async def test_requests_do_not_share() -> None:
    runs.clear()
    for _ in range(2):
        token = in_request()
        try:
            await lookup(3)
        finally:
            current_var.reset(token)
    assert runs == [3, 3]


async def test_outside_a_request_it_just_runs() -> None:
    runs.clear()
    await lookup(4)
    await lookup(4)
    assert runs == [4, 4]


async def test_unhashable_arguments_run_uncached() -> None:
    calls: list[Any] = []

    @request_cache
    async def f(x: Any) -> int:
        calls.append(x)
        return 1

    token = in_request()
    try:
        await f([1])
        await f([1])
    finally:
        current_var.reset(token)
    assert len(calls) == 2


async def test_errors_are_shared_too() -> None:
    calls: list[int] = []

    @request_cache
    async def fail() -> None:
        calls.append(1)
        raise ValueError("nope")

    token = in_request()
    try:
        for _ in range(2):
            with contextlib.suppress(ValueError):
                await fail()
    finally:
        current_var.reset(token)
    assert calls == [1]


async def test_a_cancelled_first_caller_does_not_fail_the_others() -> None:
    started = asyncio.Event()
    calls: list[int] = []

    @request_cache
    async def slow() -> int:
        calls.append(1)
        started.set()
        await asyncio.sleep(0.05)
        return 7

    token = in_request()
    try:
        first = asyncio.create_task(slow())
        await started.wait()
        second = asyncio.create_task(slow())
        await asyncio.sleep(0)
        first.cancel()
        assert await second == 7
        with contextlib.suppress(asyncio.CancelledError):
            await first
        assert first.cancelled()
    finally:
        current_var.reset(token)
    assert len(calls) == 2
