"""Protecting ordinary Litestar routes: pages redirect to the login page, JSON routes answer 401.

    @get("/dashboard", guards=[login_required])     # signed out: 303 /login?next=/dashboard
    @get("/api/user", guards=[user_required])       # signed out: 401 {"error": "Unauthorized"}
    @get("/admin", guards=[role_required("admin")]) # signed out: 401; another role: 403

``next`` is the path and query asked for, percent-encoded (``/notes?page=2`` gives
``next=/notes%3Fpage%3D2``); the login page checks it with ``safe_target`` like any redirect.
Guards are plain callables as Litestar expects; they share the request's memoized session with
the handler, so a guarded page that also calls ``current_user()`` still costs one query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from authstage.auth.current import auth_runtime, get_session
from authstage.context import context_for

__all__ = [
    "LoginRequired",
    "RouteForbidden",
    "RouteUnauthorized",
    "exception_handlers",
    "login_required",
    "role_required",
    "user_required",
]

Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Awaitable[None]]


class LoginRequired(Exception):
    """A signed-out visitor asked for a protected page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class RouteUnauthorized(Exception):
    """A signed-out caller asked for a protected JSON route."""


class RouteForbidden(Exception):
    """A signed-in user without the required role asked for a protected route."""


async def login_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Pages: send signed-out visitors to the login page, remembering where they were going."""
    context_for(connection)
    if await get_session() is None:
        raise LoginRequired(_asked_for(connection))


def _asked_for(connection: Connection) -> str:
    """The path and query the visitor asked for, percent-encoded as the browser sent them."""
    raw = connection.scope.get("raw_path")  # some clients (httpx's ASGI transport) add the query
    path = raw.partition(b"?")[0].decode("latin-1") if raw else quote(connection.scope["path"])
    query = connection.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


async def user_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """JSON routes: answer 401 ``{"error": "Unauthorized"}`` to signed-out callers."""
    context_for(connection)
    if await get_session() is None:
        raise RouteUnauthorized


def role_required(*roles: str) -> Guard:
    """A guard admitting only signed-in users holding one of ``roles`` (403 otherwise)."""

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        context_for(connection)
        session = await get_session()
        if session is None:
            raise RouteUnauthorized
        if session.user.role not in roles:
            raise RouteForbidden

    return guard


def _to_login(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    auth = auth_runtime(context_for(request))
    login = auth.config.login_url if auth is not None else "/login"
    joiner = "&" if "?" in login else "?"
    return Redirect(f"{login}{joiner}next={quote(exc.next_path, safe='/')}", status_code=303)


def _unauthorized(_: Request[Any, Any, Any], __: RouteUnauthorized) -> Response[Any]:
    return Response({"error": "Unauthorized"}, status_code=401)


def _forbidden(_: Request[Any, Any, Any], __: RouteForbidden) -> Response[Any]:
    return Response({"error": "Forbidden"}, status_code=403)


#: Installed by the plugin when auth is configured.
exception_handlers: dict[type[Exception], Any] = {
    LoginRequired: _to_login,
    RouteUnauthorized: _unauthorized,
    RouteForbidden: _forbidden,
}
