"""The request context in pages and routes, and outside any request."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, context, cookies, get_request, headers, set_cookie
from tests.unit.conftest import SECRET


@get("/hello")
async def hello() -> dict[str, str]:
    set_cookie("visited", "1", max_age=10)
    return {
        "agent": headers().get("user-agent", ""),
        "theme": cookies().get("theme", ""),
        "path": get_request().url.path,
    }


async def test_pages_get_a_context_and_can_set_cookies() -> None:
    app = Litestar([hello], plugins=[AuthstagePlugin(actions=[], secret=SECRET)])
    async with AsyncTestClient(app) as client:
        response = await client.get("/hello", headers={"user-agent": "ua", "cookie": "theme=dark"})
    assert response.json() == {"agent": "ua", "theme": "dark", "path": "/hello"}
    assert "visited=1" in response.headers["set-cookie"]


def test_outside_a_request_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no request is being served"):
        context()


async def test_malformed_cookie_header_is_ignored() -> None:
    app = Litestar([hello], plugins=[AuthstagePlugin(actions=[], secret=SECRET)])
    async with AsyncTestClient(app) as client:
        response = await client.get("/hello", headers={"cookie": 'bad"cookie; =; theme'})
    assert response.status_code == 200
