"""The plugin and its configuration: mounted anywhere, refusing bad setups at startup."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
import redis
from litestar import Litestar
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from litestar.testing import AsyncTestClient

from authstage import AuthstageConfig, AuthstagePlugin, ConfigurationError
from authstage.appstate import auth_of, endpoint_of
from authstage.auth import Auth, AuthConfig
from authstage.auth.current import authenticate
from authstage.config import IDEMPOTENCY_STORE, OUTCOME_STORE
from authstage.dispatch import ActionEndpoint
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import REDIS_URL, SECRET


async def test_mounts_on_a_custom_path() -> None:
    app = Litestar([], plugins=[AuthstagePlugin(actions=[sa], secret=SECRET, path="/rpc")])
    async with AsyncTestClient(app) as client:
        caller = ActionClient(client)
        response = await caller.call(sa.add, a=1, b=1)
    assert response.json()["data"] == 2


def test_production_without_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUTHSTAGE_SECRET", raising=False)
    monkeypatch.setenv("AUTHSTAGE_ENV", "production")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="AUTHSTAGE_SECRET is not set"):
        Litestar([], plugins=[AuthstagePlugin(actions=[sa])])


def test_environment_fills_unset_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_SECRET", SECRET)
    monkeypatch.setenv("AUTHSTAGE_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("AUTHSTAGE_ENV", "production")
    config = AuthstageConfig(actions=[sa]).resolve()
    assert config.production is True
    assert config.secret == SECRET
    assert list(config.allowed_origins or []) == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"debug": True, "production": True, "secret": SECRET}, "not in production"),
        ({"allowed_origins": ["example.com"]}, "https://host"),
        ({"path": "rpc"}, "must start with"),
        ({"max_body_size": 0}, "positive"),
    ],
)
def test_bad_settings_fail_at_startup(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AuthstageConfig(**kwargs).resolve()  # type: ignore[arg-type]


def test_bad_env_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_ENV", "staging")
    with pytest.raises(ConfigurationError, match="AUTHSTAGE_ENV"):
        AuthstageConfig().resolve()


def test_resolve_leaves_the_config_unchanged_and_is_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTHSTAGE_ALLOWED_ORIGINS", "https://a.example")
    config = AuthstageConfig(actions=[sa], secret=SECRET)
    before = dict(vars(config))
    resolved = config.resolve()
    assert vars(config) == before
    assert config.allowed_origins is None and config.production is None
    assert resolved.allowed_origins == ("https://a.example",)
    with pytest.raises(FrozenInstanceError):
        resolved.debug = True  # type: ignore[misc]


def test_two_apps_from_one_config_each_use_their_own_auth() -> None:
    config = AuthstageConfig(actions=[sa], secret=SECRET, auth=AuthConfig())
    before = dict(vars(config))
    apps = [Litestar([], plugins=[AuthstagePlugin(config)]) for _ in range(2)]
    assert vars(config) == before
    assert config.guards == () and config.authenticate is None
    auths = [auth_of(app) for app in apps]
    assert auths[0] is not auths[1]
    for app, auth in zip(apps, auths, strict=True):
        endpoint = endpoint_of(app)
        assert isinstance(endpoint, ActionEndpoint)
        resolved = endpoint.config
        # The authenticator finds the Auth of the app serving the request (appstate.auth_of).
        assert resolved.authenticate is authenticate
        role_guards = [
            g for g in resolved.guards if getattr(g, "__func__", None) is Auth.role_guard
        ]
        assert role_guards == [auth.role_guard]
        assert resolved.session_cookie == auth.cookie_name


def test_trust_forwarded_host_env_var_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_TRUST_FORWARDED_HOST", "1")
    assert AuthstageConfig().resolve().trust_forwarded is True
    monkeypatch.delenv("AUTHSTAGE_TRUST_FORWARDED_HOST")
    assert AuthstageConfig().resolve().trust_forwarded is False
    monkeypatch.setenv("AUTHSTAGE_TRUST_FORWARDED", "true")
    assert AuthstageConfig().resolve().trust_forwarded is True


def _redis_keys(namespace: str) -> list[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return sorted(k.decode() for k in client.scan_iter(f"{namespace}*"))
    finally:
        client.close()


@pytest.mark.redis
async def test_stores_come_from_the_apps_redis_store_registry(redis_namespace: str) -> None:
    root = RedisStore.with_client(url=REDIS_URL, namespace=redis_namespace)
    stores = StoreRegistry(default_factory=root.with_namespace)
    app = Litestar([], plugins=[AuthstagePlugin(actions=[sa], secret=SECRET)], stores=stores)
    sa.CALLS.clear()
    async with AsyncTestClient(app) as client:
        caller = ActionClient(client)
        headers = {"idempotency-key": "k1"}
        first = await caller.call(sa.add, a=1, b=2, headers=headers)
        again = await caller.call(sa.add, a=1, b=2, headers=headers)
        assert again.headers["idempotent-replayed"] == "true"
        assert first.json() == again.json() and sa.CALLS["add"] == 1
        form = await caller.form(sa.add, {"a": "1", "b": "2"})
        assert form.status_code == 303
        outcome_key = form.cookies["authstage_outcome"]
    keys = _redis_keys(redis_namespace)
    assert f"{redis_namespace}_{OUTCOME_STORE}:{outcome_key}" in keys
    assert any(k.startswith(f"{redis_namespace}_{IDEMPOTENCY_STORE}:") for k in keys)
    assert endpoint_of(app).outcome_store is app.stores.get(OUTCOME_STORE)


async def test_stores_default_to_memory_and_a_configured_store_wins() -> None:
    app = Litestar([], plugins=[AuthstagePlugin(actions=[sa], secret=SECRET)])
    endpoint = endpoint_of(app)
    assert isinstance(endpoint, ActionEndpoint)
    assert isinstance(endpoint.outcome_store, MemoryStore)
    assert endpoint.outcome_store is app.stores.get(OUTCOME_STORE)
    assert endpoint.idempotency.store is app.stores.get(IDEMPOTENCY_STORE)
    async with AsyncTestClient(app) as client:
        form = await ActionClient(client).form(sa.add, {"a": "1", "b": "2"})
        assert form.status_code == 303
        assert await endpoint.outcome_store.exists(form.cookies["authstage_outcome"])

    mine = MemoryStore()
    plugin = AuthstagePlugin(actions=[sa], secret=SECRET, outcome_store=mine)
    app = Litestar([], plugins=[plugin], stores={OUTCOME_STORE: MemoryStore()})
    assert endpoint_of(app).outcome_store is mine
