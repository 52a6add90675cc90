"""What a started app keeps in its own process, and the refusal to serve it from several."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from authstage import AuthstagePlugin, Cache, ConfigurationError, action
from authstage.auth import AuthConfig
from authstage.auth.invalidation import LocalChannel
from authstage.processlocal import check_shareable, process_local_state

SECRET = "processlocal-test-secret-0123456789abcdef0123"
REDIS = "redis://127.0.0.1:6379/0"


@action(public=True)
async def ping() -> str:
    return "pong"


@pytest.fixture(autouse=True)
def _no_shared_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "AUTHSTAGE_STORES_URL", "AUTHSTAGE_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AUTHSTAGE_RATE_LIMIT_STORAGE", raising=False)


def _app(**config: Any) -> Litestar:
    return Litestar(plugins=[AuthstagePlugin(actions=[ping], secret=SECRET, **config)])


def test_the_embedded_default_keeps_its_stores_in_the_process() -> None:
    app = _app()
    assert process_local_state(app) == ["no-JS outcomes", "idempotency replies"]
    check_shareable(app, 1)  # one process: nothing to share
    with pytest.raises(ConfigurationError, match=r"--workers 2: no-JS outcomes, idempotency"):
        check_shareable(app, 2)


def test_redis_url_shares_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS)
    app = _app(auth=AuthConfig(), caches=[Cache()])
    assert process_local_state(app) == []
    check_shareable(app, 4)


def test_rate_limits_caches_and_the_local_session_channel_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTHSTAGE_STORES_URL", REDIS)
    app = _app(auth=AuthConfig(session_cache_channel="local"), caches=[Cache("memory://")])
    app.state["authstage_auth"].sessions.channel = LocalChannel()  # as its startup sets it
    assert process_local_state(app) == [
        "rate limits",
        "the data cache",
        "the session cache's channel",
    ]


def test_an_app_without_the_plugin_has_nothing_to_share() -> None:
    assert process_local_state(Litestar()) == []
