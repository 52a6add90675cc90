"""Peer: an ordinary Litestar ``@post`` route taking a msgspec Struct and returning the sum."""

from __future__ import annotations

from litestar import Litestar, post

from bench.servers.common import AddArgs

__all__ = ["create_app"]


@post("/add", status_code=200)
async def add_route(data: AddArgs) -> int:
    """Add two integers."""
    return data.a + data.b


def create_app() -> Litestar:
    """A Litestar app with the one route."""
    return Litestar(route_handlers=[add_route])
