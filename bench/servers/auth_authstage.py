"""Peer: an action that requires a signed-in user, sessions in PostgreSQL (``AuthConfig``)."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin, action
from authstage.auth import AuthConfig, require_user
from bench.servers.common import SECRET
from bench.servers.sessions import Me, pool_hooks

__all__ = ["create_app", "whoami"]


@action(name="bench.whoami")
async def whoami() -> Me:
    """The signed-in user's id and name (401 when signed out, before the action runs)."""
    user = await require_user()
    return Me(id=user.id, name=user.name)


def create_app() -> Litestar:
    """The action app with authentication; the auth tables' pool is opened at startup."""
    startup, shutdown = pool_hooks()
    plugin = AuthstagePlugin(AuthstageConfig(actions=[whoami], secret=SECRET, auth=AuthConfig()))
    return Litestar(plugins=[plugin], on_startup=[startup], on_shutdown=[shutdown])
