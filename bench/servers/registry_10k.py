"""Peer: the ``add`` action through ``POST /_action`` among 10,000 registered actions."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin
from bench.servers.actions import add, generated_actions
from bench.servers.common import SECRET

__all__ = ["ACTIONS", "create_app"]

#: Registered actions in total, ``add`` included.
ACTIONS = 10_000


def create_app() -> Litestar:
    """The no-op app with 9,999 generated actions registered next to ``add``."""
    actions = [add, *generated_actions(ACTIONS - 1)]
    plugin = AuthstagePlugin(AuthstageConfig(actions=actions, secret=SECRET))
    return Litestar(plugins=[plugin])
