"""The stylesheet: linked from every page by its content hash, served with a year-long cache."""

from __future__ import annotations

import hashlib
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions.assets import STATIC


async def test_pages_link_the_stylesheet_by_its_content_hash(
    db_client: AsyncTestClient[Litestar],
) -> None:
    digest = hashlib.sha256((STATIC / "app.css").read_bytes()).hexdigest()[:12]
    for path in ["/", "/login", "/signup"]:
        page = (await db_client.get(path)).text
        assert f'<link rel="stylesheet" href="/static/app.css?v={digest}">' in page
        assert "<style>" not in page


async def test_the_stylesheet_is_served_with_a_long_immutable_cache(
    db_client: AsyncTestClient[Litestar],
) -> None:
    href = re.search(r'href="(/static/app\.css\?v=\w+)"', (await db_client.get("/")).text)
    assert href is not None
    response = await db_client.get(href.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    directives = {d.strip() for d in response.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=31536000", "immutable"}
    assert response.content == (STATIC / "app.css").read_bytes()


async def test_a_missing_static_file_is_a_404_and_nothing_outside_is_served(
    db_client: AsyncTestClient[Litestar],
) -> None:
    assert (await db_client.get("/static/nope.css")).status_code == 404
    assert (await db_client.get("/static/../app.py")).status_code == 404
    assert (await db_client.get("/static/%2e%2e/app.py")).status_code == 404
