"""Peer: the ``add`` action through ``POST /_action``, the only action registered."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin
from bench.servers.actions import add
from bench.servers.common import SECRET

__all__ = ["create_app"]


def create_app() -> Litestar:
    """A Litestar app with nothing but the authstage plugin."""
    plugin = AuthstagePlugin(AuthstageConfig(actions=[add], secret=SECRET))
    return Litestar(plugins=[plugin])
