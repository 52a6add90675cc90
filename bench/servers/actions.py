"""The benchmark's actions: the no-op ``add`` and a factory of many distinct actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from authstage import action
from bench.servers.common import Int64

__all__ = ["add", "generated_actions"]


@action(public=True, name="bench.add")
async def add(a: Int64, b: Int64) -> int:
    """The no-op action: add two integers."""
    return a + b


def _make(i: int) -> Callable[..., Awaitable[int]]:
    async def noop(a: Int64, b: Int64) -> int:
        return a + b + i

    noop.__qualname__ = f"generated_{i}"
    return action(public=True, name=f"bench.generated_{i:05d}")(noop)


def generated_actions(count: int) -> list[Callable[..., Awaitable[int]]]:
    """``count`` distinct actions (new function objects, names and IDs), none of them ``add``."""
    return [_make(i) for i in range(count)]
