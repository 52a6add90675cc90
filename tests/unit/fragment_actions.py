"""Actions and a page for the fragment tests: a list of items shown as a region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from authstage import AuthstagePlugin, action, fragment, region, revalidate_path

SECRET = "fragment-test-secret-0123456789abcdef0123456789"
ITEMS: list[str] = []


@action(public=True)
async def add_item(text: str) -> int:
    """Add an item; the list's path is revalidated."""
    ITEMS.append(text)
    revalidate_path("/items")
    return len(ITEMS)


@action(public=True)
@fragment("_items.html", paths=["/items"])
async def item_list(first: int = 0) -> dict[str, Any]:
    """The items from ``first`` on (HTML is escaped by the template)."""
    return {"items": ITEMS[first:]}


@get("/items")
async def items_page() -> Template:
    return Template(template_name="page.html", context={"items": await region(item_list)})


def fragment_app() -> Litestar:
    ITEMS.clear()
    plugin = AuthstagePlugin(actions=[__name__], secret=SECRET, production=False, debug=False)
    templates = TemplateConfig(
        directory=Path(__file__).parent / "fragment_templates", engine=JinjaTemplateEngine
    )
    return Litestar(route_handlers=[items_page], plugins=[plugin], template_config=templates)
