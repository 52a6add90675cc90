"""Fixtures for unit tests of the action core: an app over ``sample_actions``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, take_outcome
from authstage.appstate import endpoint_of
from authstage.dispatch import ActionEndpoint
from authstage.testing import ActionClient
from tests.unit import sample_actions
from tests.unit.redis_server import REDIS_URL, redis_namespace

__all__ = ["REDIS_URL", "redis_namespace"]  # the shared Redis, for every unit suite

SECRET = "unit-test-secret-0123456789abcdef0123456789"


@get("/page")
async def page() -> dict[str, Any]:
    """A page that renders the outcome of a no-JS post (once)."""
    outcome = (await take_outcome()).latest
    if outcome is None:
        return {"outcome": None}
    return {
        "ok": outcome.ok,
        "result": outcome.result(),
        "errors": outcome.error.field_errors if outcome.error else {},
        "values": outcome.values,
    }


def build_app(**config: Any) -> Litestar:
    config.setdefault("secret", SECRET)
    config.setdefault("production", False)
    config.setdefault("debug", False)
    plugin = AuthstagePlugin(actions=[sample_actions], **config)
    return Litestar(route_handlers=[page], plugins=[plugin])


@pytest.fixture
def app() -> Litestar:
    sample_actions.CALLS.clear()
    return build_app()


@pytest.fixture
def endpoint(app: Litestar) -> ActionEndpoint:
    ep = endpoint_of(app)
    assert isinstance(ep, ActionEndpoint)
    return ep


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


@pytest.fixture
def actions(client: AsyncTestClient[Litestar]) -> ActionClient:
    return ActionClient(client)
