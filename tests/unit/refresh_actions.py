"""Actions for the single-flight refresh tests: a todo list, its reads, and reads that fail."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar

from authstage import (
    AuthstagePlugin,
    Cache,
    Forbidden,
    RequestContext,
    action,
    depends_on,
    request_cache,
    revalidate_path,
    revalidate_tag,
)
from authstage.registry import ActionSpec

SECRET = "refresh-test-secret-0123456789abcdef0123456789"

TODOS: dict[str, list[str]] = {}
RUNS: list[str] = []  # every read that ran, by name
cache = Cache("memory://")


@action(public=True)
async def add_todo(title: str, owner: str = "ada") -> int:
    """Add a todo; revalidates ``todos`` and the owner's own tag."""
    TODOS.setdefault(owner, []).append(title)
    revalidate_tag("todos")
    revalidate_tag(f"todos:{owner}")
    return sum(len(items) for items in TODOS.values())


@action(public=True)
async def rename_page() -> None:
    """Revalidates a path only."""
    revalidate_path("/todos")


@action(public=True)
async def change_nothing() -> str:
    """Revalidates nothing."""
    return "done"


@action(public=True)
@cache.cached(tags=["todos"])
async def list_todos() -> list[str]:
    RUNS.append("list_todos")
    return [title for items in TODOS.values() for title in items]


@action(public=True)
@depends_on(tags=lambda owner: [f"todos:{owner}"])
async def todos_of(owner: str) -> list[str]:
    RUNS.append(f"todos_of:{owner}")
    return list(TODOS.get(owner, []))


@action(public=True)
@depends_on(paths=["/todos"])
async def page_title() -> str:
    RUNS.append("page_title")
    return "Todos"


@action(public=True)
@depends_on(tags=["other"])
async def other_read() -> int:
    RUNS.append("other_read")
    return 0


@action
@depends_on(tags=["todos"])
async def my_count() -> int:
    """Signed-in callers only."""
    RUNS.append("my_count")
    return len(TODOS.get("ada", []))


@action
@depends_on(tags=["todos"])
async def admin_stats() -> int:
    """Signed-in callers, and refused by the guard below unless the caller is the admin."""
    RUNS.append("admin_stats")
    return 42


@action(public=True)
@depends_on(tags=["todos"])
async def broken_read() -> int:
    RUNS.append("broken_read")
    raise RuntimeError("the read crashed")


@action(public=True)
@depends_on(tags=["todos"])
async def slow_read(seconds: float = 0.3) -> float:
    RUNS.append("slow_read")
    await asyncio.sleep(seconds)
    return seconds


@action(public=True, max_body_size=64)
@depends_on(tags=["todos"])
async def tiny_read(text: str) -> int:
    RUNS.append("tiny_read")
    return len(text)


@action(public=True)
async def undeclared_read() -> int:
    RUNS.append("undeclared_read")
    return 1


AUTHENTICATIONS: list[str] = []


@request_cache
async def _lookup(user: str | None) -> str | None:
    """The "session query": memoized per request like ``get_session``, and counted."""
    AUTHENTICATIONS.append(str(user))
    return user


async def authenticate(ctx: RequestContext) -> Any:
    """The ``x-user`` header is the principal."""
    return await _lookup(ctx.headers.get("x-user"))


async def admins_only(ctx: RequestContext, spec: ActionSpec) -> None:
    if spec.name.endswith("admin_stats") and ctx.principal != "admin":
        raise Forbidden("Admins only")


def refresh_app(**config: Any) -> Litestar:
    """An app serving the actions of this module, its cache told of revalidations."""
    TODOS.clear()
    RUNS.clear()
    AUTHENTICATIONS.clear()
    config.setdefault("secret", SECRET)
    config.setdefault("production", False)
    config.setdefault("debug", False)
    config.setdefault("authenticate", authenticate)
    config.setdefault("guards", [admins_only])
    plugin = AuthstagePlugin(actions=[__name__], on_revalidate=[cache.listener], **config)
    return Litestar(plugins=[plugin], lifespan=[cache.lifespan])
