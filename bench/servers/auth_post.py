"""Peer: a hand-written Litestar ``@post`` route reading the session cookie itself."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, post
from litestar.exceptions import NotAuthorizedException

from authstage.auth.sessions import SessionManager
from bench.servers.sessions import COOKIE, Me, pool_hooks

__all__ = ["create_app"]


def create_app() -> Litestar:
    """The route app; the auth tables' pool is opened at startup."""
    sessions = SessionManager()  # the same defaults as AuthConfig()

    @post("/whoami", status_code=200)
    async def whoami_route(request: Request[Any, Any, Any]) -> Me:
        """The signed-in user's id and name: the same query and expiry rules as the action."""
        session = await sessions.lookup(request.cookies.get(COOKIE))
        if session is None:
            raise NotAuthorizedException("Sign in to do this")
        if sessions.needs_touch(session):
            await sessions.touch(session)
        return Me(id=session.user.id, name=session.user.name)

    startup, shutdown = pool_hooks()
    return Litestar(route_handlers=[whoami_route], on_startup=[startup], on_shutdown=[shutdown])
