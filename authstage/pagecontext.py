"""The request context of every route other than the action endpoint, given at the ASGI layer.

Pages, ordinary routes, guards, dependencies and exception handlers call the same helpers as
actions (``current_user()``, ``set_cookie()``, ``take_outcome()``), so each request needs its
``RequestContext`` (context.py) before any of them runs, and the cookies they set must reach
the response.

Why not Litestar hooks. ``before_request`` and ``after_request`` are resolved per route handler
by taking the closest layer that sets one (``HTTPRouteHandler.resolve_before_request``: handler,
then controller, router, app): a router or controller with its own hook silently replaces an
app-level one, and the helpers would find no context (500) and ``set_cookie`` would be dropped.
Guards accumulate across layers but are not run for exception handlers, and cost the action
endpoint a connection object per call when the fast path is off.

So ``PageContext`` wraps the app's ``asgi_handler`` (the same public attribute the fast path
wraps, installed at startup just before it): it makes the context current for the request's
task, and adds the ``Set-Cookie`` headers of cookies set during the request to the
``http.response.start`` message, beneath Litestar's ``before_send`` hooks (which therefore see
them). No layer can remove it. The action path skips it with one string comparison (it makes
its own context); with the fast path installed, action calls never reach it at all.

It can also ``prepare`` the context of a request for an HTML page before any handler runs: with
``AuthConfig`` the plugin resolves the signed-in user there (auth/pageuser.py), so a layout
template can show who is signed in though Jinja renders synchronously and the handler never
asked. Only GET and HEAD requests whose ``Accept`` takes HTML (a browser's navigation, or a
client naming no type) are prepared: a stylesheet, an image or a JSON call costs nothing more.

Cost, per page request: one small object and one wrapped ``send``. Limits: a cookie set after a
streamed response has started cannot be sent (the headers are gone); the wrapper is installed
in the app's startup (lifespan), like the fast path, so a server run without lifespan events
gets neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from authstage.context import RequestContext, current_var

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PageContext", "Prepare", "install_page_context", "wants_page"]

_SCOPES = frozenset({"http", "websocket"})
_PAGE_METHODS = frozenset({"GET", "HEAD"})

#: Readies the context of a request for an HTML page (see the module docstring).
Prepare = Callable[[RequestContext], Awaitable[None]]


def wants_page(scope: Scope) -> bool:
    """True for a GET or HEAD whose ``Accept`` takes HTML: ``text/html``, ``*/*`` alone, none."""
    if scope.get("method") not in _PAGE_METHODS:  # a websocket has none
        return False
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
            break
    return not accept or b"text/html" in accept or accept.strip() == b"*/*"


class PageContext:
    """Runs ``inner`` inside a fresh request context, sending the cookies it sets."""

    __slots__ = ("inner", "prepare", "skip_path")

    def __init__(self, inner: ASGIApp, skip_path: str, prepare: Prepare | None = None) -> None:
        self.inner = inner
        self.skip_path = skip_path
        self.prepare = prepare

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in _SCOPES or scope["path"] == self.skip_path:
            await self.inner(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The current context, not the one made here: a guard or mounted app may
                # have made its own for a copied scope (context_for), in this same task.
                ctx = current_var.get(None)
                if ctx is not None and ctx.response_cookies:
                    message["headers"] = [*message.get("headers", ()), *ctx.cookie_headers()]
                    ctx.response_cookies = []
            await send(message)

        fresh = RequestContext(scope, receive)
        token = current_var.set(fresh)
        try:
            if self.prepare is not None and wants_page(scope):
                await self.prepare(fresh)
            await self.inner(scope, receive, send_with_cookies)
        finally:
            current_var.reset(token)


def install_page_context(app: Litestar, skip_path: str, prepare: Prepare | None = None) -> bool:
    """Wrap ``app``'s handler in ``PageContext``; False when it already is (a second startup)."""
    handler: object = app.asgi_handler
    while handler is not None:
        if isinstance(handler, PageContext):
            return False
        handler = getattr(handler, "inner", None)
    app.asgi_handler = PageContext(app.asgi_handler, skip_path, prepare)
    return True
