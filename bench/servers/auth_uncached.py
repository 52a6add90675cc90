"""Peer: the signed-in action of ``auth_authstage`` with the session cache turned off
(``AuthConfig(session_cache_size=0)``): every call looks the session up in PostgreSQL."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin
from authstage.auth import AuthConfig
from bench.servers.auth_authstage import whoami
from bench.servers.common import SECRET
from bench.servers.sessions import pool_hooks

__all__ = ["create_app"]


def create_app() -> Litestar:
    """The same app as ``auth_authstage``, without the session cache."""
    startup, shutdown = pool_hooks()
    auth = AuthConfig(session_cache_size=0)
    plugin = AuthstagePlugin(AuthstageConfig(actions=[whoami], secret=SECRET, auth=auth))
    return Litestar(plugins=[plugin], on_startup=[startup], on_shutdown=[shutdown])
