"""Peer: the contact import as a Litestar ``@post`` route taking the ``ContactImport`` Struct.

Litestar's own request body limit (``request_max_body_size``, 10 MB by default) is above the
largest body measured, so the app is left at its defaults.
"""

from __future__ import annotations

from litestar import Litestar

from bench.servers.payload import import_route

__all__ = ["create_app"]


def create_app() -> Litestar:
    """A Litestar app with the one route."""
    return Litestar(route_handlers=[import_route])
