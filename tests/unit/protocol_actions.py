"""Actions for the tests of batches, idempotency keys, cancellation and the manifest.

``CALLS`` counts executions and ``FINISHED`` records the tags of calls that ran to their end,
so a test can prove that something ran once, or never finished.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from litestar import Litestar

from authstage import AuthstagePlugin, Conflict, action, redirect, revalidate_tag, set_cookie

CALLS: Counter[str] = Counter()
FINISHED: set[str] = set()
SECRET = "protocol-test-secret-0123456789abcdef012345"


@action(public=True)
async def slow(tag: str, seconds: float = 0.2) -> str:
    CALLS[tag] += 1
    await asyncio.sleep(seconds)
    FINISHED.add(tag)
    return tag


@action(public=True)
async def bump(tag: str, by: int = 1) -> int:
    CALLS[tag] += by
    revalidate_tag("counters")
    return CALLS[tag]


@action(public=True)
async def refuse(tag: str) -> None:
    CALLS[tag] += 1
    raise Conflict("Taken", field_errors={"tag": ["Already taken"]})


@action(public=True)
async def crash(tag: str) -> None:
    CALLS[tag] += 1
    raise RuntimeError("secret detail")


@action(public=True)
async def cookie(name: str) -> None:
    set_cookie(name, "1")


@action(public=True)
async def leave() -> None:
    redirect("/bye")


@action
async def private() -> str:
    return "secret"


@action(public=True, max_body_size=64)
async def small(text: str) -> int:
    return len(text)


@action(public=True, client=False)
async def hidden() -> str:
    return "only for server-rendered forms"


def protocol_app(**config: Any) -> Litestar:
    """An app serving the actions of this module."""
    CALLS.clear()
    FINISHED.clear()
    config.setdefault("secret", SECRET)
    config.setdefault("production", False)
    config.setdefault("debug", False)
    actions = [slow, bump, refuse, crash, cookie, leave, private, small, hidden]
    return Litestar(plugins=[AuthstagePlugin(actions=actions, **config)])
