"""The plugin's runtime is found on an app through endpoint_of / auth_of, never a literal key."""

from __future__ import annotations

import pytest
from litestar import Litestar

from authstage import AuthstagePlugin
from authstage.appstate import AUTH_KEY, ENDPOINT_KEY, auth_of, endpoint_of
from authstage.auth import AuthConfig
from authstage.auth.config import Auth
from authstage.dispatch import ActionEndpoint
from tests.unit import sample_actions
from tests.unit.conftest import SECRET


def test_endpoint_of_finds_the_mounted_endpoint(app: Litestar) -> None:
    endpoint = endpoint_of(app)
    assert isinstance(endpoint, ActionEndpoint)
    assert app.state[ENDPOINT_KEY] is endpoint


def test_endpoint_of_an_app_without_the_plugin_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no AuthstagePlugin"):
        endpoint_of(Litestar())
    with pytest.raises(RuntimeError, match="no AuthstagePlugin"):
        endpoint_of(None)


def test_auth_of_is_the_auth_runtime_only_with_auth_config(app: Litestar) -> None:
    assert auth_of(app) is None
    assert auth_of(None) is None
    plugin = AuthstagePlugin(actions=[sample_actions], secret=SECRET, auth=AuthConfig())
    with_auth = Litestar(plugins=[plugin])
    assert isinstance(auth_of(with_auth), Auth)
    assert with_auth.state[AUTH_KEY] is auth_of(with_auth)
