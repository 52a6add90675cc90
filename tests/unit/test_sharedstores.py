"""The framework's stores on Redis from the environment alone (REDIS_URL / AUTHSTAGE_STORES_URL)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry

from authstage import AuthstagePlugin, ConfigurationError, action
from authstage.sharedstores import shared_stores_url, with_shared_stores
from tests.unit.redis_server import REDIS_URL, redis_namespace

__all__ = ["redis_namespace"]  # fixtures used here

SECRET = "shared-stores-secret-0123456789abcdef0123456789"


@action(public=True)
async def ping() -> str:
    return "pong"


def app() -> Litestar:
    plugin = AuthstagePlugin(actions=[ping], secret=SECRET, production=False, debug=False)
    return Litestar(plugins=[plugin])


def test_without_a_url_the_stores_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("AUTHSTAGE_STORES_URL", raising=False)
    assert shared_stores_url() is None
    assert isinstance(app().stores.get("authstage_outcomes"), MemoryStore)


@pytest.mark.redis
async def test_with_redis_url_two_instances_share_outcomes_and_idempotency_replies(
    monkeypatch: pytest.MonkeyPatch, redis_namespace: str
) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("AUTHSTAGE_STORES_NAMESPACE", redis_namespace)
    built = app()  # the plugin registers them, and closes their client with the app
    assert isinstance(built.stores.get("authstage_outcomes"), RedisStore)
    assert isinstance(built.stores.get("authstage_idempotency"), RedisStore)
    (first, close_first), (second, close_second) = with_shared_stores(None), with_shared_stores({})
    assert close_first is not None and close_second is not None
    try:
        for name in ("authstage_outcomes", "authstage_idempotency"):
            await first.get(name).set("k", b"written by the first instance", expires_in=60)
            assert await second.get(name).get("k") == b"written by the first instance"
    finally:
        await close_first()
        await close_second()


def test_an_app_with_its_own_registry_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    registry = StoreRegistry()
    assert with_shared_stores(registry) == (registry, None)
    given = {"authstage_outcomes": MemoryStore(), "authstage_idempotency": MemoryStore()}
    kept, close = with_shared_stores(given)
    assert close is None
    assert kept.get("authstage_outcomes") is given["authstage_outcomes"]


def test_a_url_that_is_not_redis_is_one_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTHSTAGE_STORES_URL", "memcached://user:hunter2@cache:11211")
    with pytest.raises(ConfigurationError, match="is not a redis:// URL") as info:
        with_shared_stores(None)
    assert "hunter2" not in str(info.value)
