"""The fast path: ``POST /_action`` answered in front of Litestar's router.

The action endpoint is a complete ASGI app: it checks the origin, reads the body under its limit,
decodes, runs, encodes and turns every exception into the envelope itself. Going through
Litestar's router first costs more than the endpoint's own work (route lookup, a scope state
object, the handler's exception layer), all spent on
finding a handler that is known in advance (about 3 µs a call in-process).

So at startup the plugin puts a thin dispatcher in front of the app's ``asgi_handler`` (the
public attribute Litestar calls for every request): a request whose path is exactly the action
path goes straight to the endpoint; everything else reaches Litestar unchanged. Litestar's own
``__call__`` still runs first, so ``scope["app"]`` and ``before_send`` hooks work as before.

The fast path is only installed when it skips nothing the application asked for: with app-level
middleware, a CORS config or any other wrapper around the router, actions keep going through
Litestar (the endpoint stays registered as an ordinary ``@asgi`` route for exactly that).
``AuthstageConfig.fast_path = False`` turns it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["ActionFastPath", "install_fast_path"]


class ActionFastPath:
    """Sends requests for ``path`` to ``endpoint`` and everything else to ``inner``."""

    __slots__ = ("endpoint", "inner", "path")

    def __init__(self, inner: ASGIApp, endpoint: ASGIApp, path: str) -> None:
        self.inner = inner
        self.endpoint = endpoint
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == self.path and scope["type"] == ScopeType.HTTP:
            await self.endpoint(scope, receive, send)
        else:
            await self.inner(scope, receive, send)


def can_bypass_router(app: Litestar) -> bool:
    """True when routing ``/_action`` through Litestar would run nothing but the endpoint."""
    try:
        app.plugins.get("OpenTelemetryPlugin")
    except KeyError:
        instrumented = False
    else:
        instrumented = True
    return not app.middleware and app.cors_config is None and not instrumented


def install_fast_path(app: Litestar, endpoint: ASGIApp, path: str) -> bool:
    """Put the fast path in front of ``app``'s router; False when it would skip something."""
    if isinstance(app.asgi_handler, ActionFastPath):
        return True
    if not can_bypass_router(app):
        return False
    app.asgi_handler = ActionFastPath(app.asgi_handler, endpoint, path)
    return True
