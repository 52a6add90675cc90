"""Peer: the contact import as an authstage action (body limit raised to ``PAYLOAD_LIMIT``)."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin
from bench.servers.common import SECRET
from bench.servers.payload import import_contacts

__all__ = ["create_app"]


def create_app() -> Litestar:
    """A Litestar app with nothing but the authstage plugin and the import action."""
    plugin = AuthstagePlugin(AuthstageConfig(actions=[import_contacts], secret=SECRET))
    return Litestar(plugins=[plugin])
