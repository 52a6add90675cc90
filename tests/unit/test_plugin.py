"""The plugin and its configuration: mounted anywhere, refusing bad setups at startup."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage import AuthstageConfig, AuthstagePlugin, ConfigurationError
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET


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
