"""The small app the browser script's tests drive (tests/browser/test_enhance.py).

One page (``/page``) with a form for each behaviour of the script: a slow action (pending
state, no double submit), field errors, a redirect, a list shown as a region with an
optimistic toggle and a confirmed delete, a count and an upload list as regions, a region no
action revalidates, an action for signed-in callers only, and a form that opts out. ``/stats``
tells the tests how often each action ran, server side.

Served by uvicorn in its own process (``--factory tests.browser.enhance_app:create_app``); the
signed-in user is the ``user`` cookie (an ``authenticate`` function of the test's own, so no
database is needed).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from authstage import (
    AuthstagePlugin,
    Conflict,
    RequestContext,
    UploadedFile,
    ValidationFailed,
    action,
    fragment,
    redirect,
    region,
    revalidate_path,
    revalidate_tag,
)

__all__ = ["SECRET", "create_app"]

SECRET = "enhance-test-secret-0123456789abcdef0123456789"
CALLS: Counter[str] = Counter()  # every action that ran, by name
ITEMS: list[dict[str, Any]] = []
UPLOADS: list[str] = []


@action(public=True)
async def slow_save(text: str) -> None:
    """Takes a while, so a second click lands while the first call is pending."""
    CALLS["slow_save"] += 1
    await asyncio.sleep(0.6)


@action(public=True)
async def sign_up(name: str, age: int) -> None:
    """Refuses an unlikely age and a short name, naming the age first (the page shows the name
    first); an ``age`` that is not a number is refused before it runs."""
    CALLS["sign_up"] += 1
    errors = {}
    if age > 150:
        errors["age"] = ["Age must be at most 150"]
    if len(name) < 3:
        errors["name"] = ["Name must be at least 3 characters"]
    if errors:
        raise ValidationFailed(field_errors=errors)


@action(public=True)
async def go() -> None:
    """Sends the browser to ``/done``."""
    redirect("/done")


@action(public=True)
async def add_item(text: str) -> None:
    """Adds an item: the list's path and the count's tag are revalidated."""
    CALLS["add_item"] += 1
    ITEMS.append({"text": text, "done": False})
    revalidate_path("/page")
    revalidate_tag("items")


@action(public=True)
async def toggle_item(index: int) -> None:
    """Flips an item, after a pause (the page shows it flipped already); "locked" refuses."""
    CALLS["toggle_item"] += 1
    await asyncio.sleep(0.4)
    item = ITEMS[index]
    if item["text"] == "locked":
        raise Conflict("This item is locked")
    item["done"] = not item["done"]
    revalidate_path("/page")


@action(public=True)
async def delete_item(index: int) -> None:
    CALLS["delete_item"] += 1
    del ITEMS[index]
    revalidate_path("/page")
    revalidate_tag("items")


@action(public=True)
async def upload(photo: UploadedFile) -> None:
    """Keeps the file's name and size for the upload list."""
    CALLS["upload"] += 1
    UPLOADS.append(f"{photo.filename} ({photo.size} bytes)")
    revalidate_tag("uploads")


@action(public=True)
async def crash() -> None:
    """Fails unexpectedly: the caller gets INTERNAL with a digest."""
    raise RuntimeError("the action crashed")


@action
async def private_note(text: str) -> None:
    """Signed-in callers only: without the ``user`` cookie the reply is UNAUTHORIZED."""
    CALLS["private_note"] += 1


@action(public=True)
@fragment("_items.html", paths=["/page"])
async def item_list() -> dict[str, Any]:
    return {"items": ITEMS}


@action(public=True)
@fragment("_count.html", tags=["items"])
async def item_count() -> dict[str, Any]:
    return {"count": len(ITEMS)}


@action(public=True)
@fragment("_uploads.html", tags=["uploads"])
async def upload_list() -> dict[str, Any]:
    return {"uploads": UPLOADS}


@action(public=True)
@fragment("_other.html", tags=["nothing-revalidates-this"])
async def other_read() -> dict[str, Any]:
    CALLS["other_read"] += 1
    return {"runs": CALLS["other_read"]}


@get("/page")
async def page() -> Template:
    regions = {
        "items": await region(item_list),
        "count": await region(item_count, tag="span"),
        "uploads": await region(upload_list),
        "other": await region(other_read),
    }
    return Template(template_name="page.html", context=regions)


@get("/done", sync_to_thread=False)
def done() -> Template:
    return Template(template_name="done.html")


@get("/login", sync_to_thread=False)
def login() -> Template:
    return Template(template_name="login.html")


@get("/stats", sync_to_thread=False)
def stats() -> dict[str, int]:
    return dict(CALLS)


async def authenticate(ctx: RequestContext) -> Any:
    """The ``user`` cookie is the principal (none: signed out)."""
    return ctx.cookies.get("user")


def create_app() -> Litestar:
    """The test app (a uvicorn factory)."""
    plugin = AuthstagePlugin(
        actions=[__name__],
        secret=SECRET,
        production=False,
        debug=False,
        authenticate=authenticate,
    )
    templates = TemplateConfig(
        directory=Path(__file__).parent / "enhance_templates", engine=JinjaTemplateEngine
    )
    return Litestar(
        route_handlers=[page, done, login, stats],
        plugins=[plugin],
        template_config=templates,
    )
