"""Fixtures for the app's actions: an action client over the demo app on both engines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions import accounts
from authstage import engines
from authstage.appstate import auth_of
from authstage.auth import User
from authstage.testing import ActionClient

PASSWORD = "correct horse battery"


@pytest.fixture
def actions(db_client: AsyncTestClient[Litestar]) -> ActionClient:
    return ActionClient(db_client)


async def signup(
    client: ActionClient, email: str = "ada@example.com", name: str = "Ada", **extra: Any
) -> httpx.Response:
    """Sign up through the action (the client keeps the session cookie)."""
    data = {"email": email, "password": extra.pop("password", PASSWORD), "name": name}
    return await client.call(accounts.signup, data=data, **extra)


async def login(client: ActionClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.call(accounts.login, data={"email": email, "password": password})


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["ok"] is False, body
    assert "Traceback" not in response.text
    return body["error"]  # type: ignore[no-any-return]


def set_session(client: ActionClient, token: str | None) -> None:
    """Replace the client's cookies with just this session cookie (or none)."""
    client.client.cookies.clear()
    if token is not None:
        client.client.cookies.set("authstage_session", token, domain="testserver.local")


def session_of(client: ActionClient) -> str:
    """The client's current session cookie."""
    token = client.client.cookies.get("authstage_session")
    assert token is not None
    return token


async def db(query: Any) -> Any:
    """Run a Piccolo query from the test's own event loop (not the app's pool)."""
    return await query.run(in_pool=False)


async def edit_behind(client: ActionClient, query: Any) -> Any:
    """Change auth rows directly, as SQL typed by hand would, and empty the app's session
    cache: the framework never heard of the change (running instances would see it only after
    ``session_cache_ttl``)."""
    result = await db(query)
    auth = auth_of(client.client.app)
    if auth is not None and auth.sessions.cache is not None:
        auth.sessions.cache.clear()
    return result


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the database engine runs from here on, compiled queries included
    (their SQL text, with placeholders)."""
    engine = type(User._meta.db)
    seen: list[str] = []
    run = engine.run_querystring
    fetch = engines.fetch_compiled

    async def counting(self: Any, querystring: Any, in_pool: bool = True) -> Any:
        seen.append(str(querystring))
        return await run(self, querystring, in_pool=in_pool)

    async def counting_compiled(engine: Any, sql: str, *args: Any) -> Any:
        seen.append(sql)
        return await fetch(engine, sql, *args)

    monkeypatch.setattr(engine, "run_querystring", counting)
    monkeypatch.setattr(engines, "fetch_compiled", counting_compiled)
    return seen
