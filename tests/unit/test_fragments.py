"""Fragments: a page part rendered by a read action, refreshed in a mutation's own reply."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage import ConfigurationError, fragment, region
from authstage.appstate import endpoint_of
from tests.unit import fragment_actions as fa


@pytest.fixture
def app() -> Litestar:
    return fa.fragment_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


def ident(app: Litestar, fn: Any) -> str:
    return endpoint_of(app).registry.id_of(fn)


async def call(
    client: Any, app: Litestar, fn: Any, args: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    return await client.post(
        "/_action",
        content=msgspec.json.encode(args),
        headers={
            "authstage-action": ident(app, fn),
            "content-type": "application/json",
            **(headers or {}),
        },
    )


async def test_a_page_renders_the_region_naming_its_read_and_arguments(
    client: Any, app: Litestar
) -> None:
    fa.ITEMS.append("<b>milk</b>")
    page = await client.get("/items")
    assert page.status_code == 200
    found = re.search(
        r'<div data-authstage-region="([^"]+)" data-authstage-args="([^"]*)">', page.text
    )
    assert found is not None
    assert found.group(1) == ident(app, fa.item_list)
    assert found.group(2) == "{}"
    assert "<li>&lt;b&gt;milk&lt;/b&gt;</li>" in page.text  # the partial escapes as a page does
    # The template globals work inside the partial.
    assert ident(app, fa.add_item) in page.text


async def test_the_fragment_is_a_read_action_returning_its_html(client: Any, app: Litestar) -> None:
    fa.ITEMS.extend(["a", "b"])
    response = await call(client, app, fa.item_list, {"first": 1})
    assert response.status_code == 200
    html = response.json()["data"]
    assert "<li>b</li>" in html
    assert "<li>a</li>" not in html


async def test_a_mutation_carries_the_fresh_html_of_the_regions_it_revalidated(
    client: Any, app: Litestar
) -> None:
    refresh = msgspec.json.encode([{"action": ident(app, fa.item_list), "args": {}}]).decode()
    response = await call(
        client, app, fa.add_item, {"text": "eggs"}, {"authstage-refresh": refresh}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == 1
    [entry] = body["refresh"]
    assert entry["ok"] is True
    assert "<li>eggs</li>" in entry["data"]


def test_a_fragment_must_declare_what_it_depends_on() -> None:
    with pytest.raises(ConfigurationError, match="give tags=, paths= or both"):

        @fragment("_items.html")
        async def nothing() -> dict[str, Any]:
            return {}


async def test_region_refuses_a_function_that_is_not_a_fragment_and_a_bad_tag() -> None:
    async def plain() -> str:
        return ""

    with pytest.raises(ConfigurationError, match="is not a @fragment"):
        await region(plain)
    with pytest.raises(ConfigurationError, match="is not an element name"):
        await region(fa.item_list, tag='div onclick="x"')
