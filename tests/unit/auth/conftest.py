"""Helpers of the session-cache tests: small apps over the test database, signed-in clients.

``instance(channel)`` starts one app (one "instance") over the database the ``database``
fixture bound, with the session cache on the given invalidation channel; two of them in one
test are two instances sharing that database (and that channel). ``eventually`` polls a
condition: nothing here sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin
from authstage.appstate import auth_of
from authstage.auth import AuthConfig, User
from authstage.auth.config import Auth
from authstage.auth.invalidation import ListeningChannel
from authstage.auth.sessions import SessionManager
from authstage.testing import ActionClient
from tests.actions.conftest import queries
from tests.conftest import FAST_HASHER, TEST_SECRET
from tests.unit.auth import session_actions
from tests.unit.redis_server import private_redis

__all__ = ["Instance", "eventually", "instance", "private_redis", "queries", "sign_in_user"]


@dataclass
class Instance:
    """One running app: its action client and its auth runtime."""

    actions: ActionClient
    auth: Auth

    @property
    def channel(self) -> ListeningChannel:
        channel = self.auth.sessions.channel
        assert isinstance(channel, ListeningChannel)
        return channel

    async def whoami(self, token: str) -> str | None:
        """The name this instance answers for ``token`` (None when it refuses: 401)."""
        response = await self.send(session_actions.whoami, token)
        if response.status_code == 401:
            return None
        assert response.status_code == 200, response.text
        return msgspec.json.decode(response.content)["data"]  # type: ignore[no-any-return]

    async def call(self, fn: Callable[..., Any], token: str, **kwargs: Any) -> Any:
        """Call ``fn`` with the session ``token``; its result (the call must succeed)."""
        response = await self.send(fn, token, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def send(self, fn: Callable[..., Any], token: str, **kwargs: Any) -> httpx.Response:
        self.actions.client.cookies.clear()  # only the cookie given, whatever was set before
        return await self.actions.call(
            fn, headers={"cookie": f"authstage_session={token}"}, **kwargs
        )


def instance(channel: str | None = None, **auth: Any) -> AbstractAsyncContextManager[Instance]:
    """An app over the bound test database, its session cache on ``channel``."""

    @asynccontextmanager
    async def running() -> AsyncIterator[Instance]:
        config = AuthConfig(
            hasher=FAST_HASHER,
            rate_limit_storage="async+memory://",
            session_cache_channel=channel,
            **auth,
        )
        plugin = AuthstagePlugin(
            actions=[session_actions], auth=config, secret=TEST_SECRET, production=False
        )
        app = Litestar(plugins=[plugin])
        async with AsyncTestClient(app) as client:
            runtime = auth_of(app)
            assert runtime is not None
            yield Instance(ActionClient(client), runtime)

    return running()


async def sign_in_user(email: str = "ada@example.com", name: str = "Ada") -> tuple[int, str]:
    """A new user with one session: (user ID, session token)."""
    rows = await User.insert(User(email=email, name=name, password_hash="x")).returning(User.id)
    user_id = int(rows[0]["id"])
    return user_id, await SessionManager().create(user_id)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 1.0) -> float:
    """Poll ``check`` until it holds; returns the seconds it took (fails after ``within``)."""
    start = time.monotonic()
    while not await check():
        waited = time.monotonic() - start
        assert waited < within, f"still not true after {within} s"
        await asyncio.sleep(0.01)
    return time.monotonic() - start
