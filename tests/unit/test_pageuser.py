"""The signed-in user for templates (auth/pageuser.py): resolved before an HTML page's handler,
for no other request, with one query at most."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin
from authstage.auth import AuthConfig
from authstage.auth.accounts import create_user
from authstage.auth.current import current_user, sign_in
from authstage.auth.pageuser import page_user
from authstage.db import Database
from authstage.pagecontext import wants_page
from tests.actions.conftest import queries
from tests.conftest import FAST_HASHER
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET

__all__ = ["queries"]  # the fixture, used here


@get("/enter")
async def enter() -> dict[str, Any]:
    await sign_in(await create_user("ada@example.com", "Ada", "correct horse", hasher=FAST_HASHER))
    return {}


@get("/shown", sync_to_thread=False)
def shown() -> dict[str, Any]:
    """What a layout would show: the handler itself never asks who is signed in."""
    user = page_user()
    return {"user": user.name if user is not None else None}


@get("/asked")
async def asked() -> dict[str, Any]:
    user = await current_user()
    return {"user": user.name if user is not None else None, "shown": page_user() is not None}


def _app(database_url: str) -> Litestar:
    database = Database(database_url, migrate_on_startup=False)
    # No session cache: what is counted is the page's own lookup (session_cache.py has its
    # own tests).
    auth = AuthConfig(
        hasher=FAST_HASHER, rate_limit_storage="async+memory://", session_cache_size=0
    )
    return Litestar(
        [enter, shown, asked],
        plugins=[AuthstagePlugin(actions=[sa], secret=SECRET, auth=auth)],
        on_startup=[database.startup],
        on_shutdown=[database.shutdown],
    )


def _session_queries(seen: list[str]) -> int:
    return sum("authstage_session" in q for q in seen)


@pytest.fixture
async def client(
    database_url: str, database: object, queries: list[str]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of the app, signed in as Ada; the queries seen so far forgotten."""
    async with AsyncTestClient(_app(database_url)) as client:
        await client.get("/enter")
        queries.clear()
        yield client


async def test_an_html_page_has_its_user_resolved_with_one_query(
    client: AsyncTestClient[Litestar], queries: list[str]
) -> None:
    response = await client.get("/shown", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.json() == {"user": "Ada"}
    assert _session_queries(queries) == 1
    queries.clear()
    response = await client.get("/asked", headers={"accept": "text/html"})
    assert response.json() == {"user": "Ada", "shown": True}
    assert _session_queries(queries) == 1  # the handler's current_user() reuses it


async def test_other_requests_are_not_prepared_and_cost_no_query(
    client: AsyncTestClient[Litestar], queries: list[str]
) -> None:
    for accept in ["application/json", "text/css,*/*;q=0.1", "image/webp,*/*"]:
        response = await client.get("/shown", headers={"accept": accept})
        assert response.json() == {"user": None}
    assert _session_queries(queries) == 0
    client.cookies.clear()
    assert (await client.get("/shown", headers={"accept": "text/html"})).json() == {"user": None}
    assert _session_queries(queries) == 0  # no cookie, no query


@pytest.mark.parametrize(
    ("method", "accept", "wanted"),
    [
        ("GET", b"text/html,application/xhtml+xml,*/*;q=0.8", True),
        ("HEAD", b"text/html", True),
        ("GET", b"*/*", True),
        ("GET", None, True),
        ("GET", b"application/json", False),
        ("GET", b"text/css,*/*;q=0.1", False),
        ("POST", b"text/html", False),
    ],
)
def test_wants_page(method: str, accept: bytes | None, wanted: bool) -> None:
    headers = [] if accept is None else [(b"accept", accept)]
    scope: Any = {"type": "http", "method": method, "headers": headers}
    assert wants_page(scope) is wanted
