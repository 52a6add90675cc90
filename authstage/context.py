"""The request context: what an action (or a page) can ask about the request it serves.

One ``RequestContext`` per HTTP request, held in a ``ContextVar``: the dispatcher sets it for
``/_action`` calls and ``PageContext`` (pagecontext.py, a wrapper at the ASGI layer that no
Litestar hook can replace) for every other route, so the same helpers work in actions, pages
and ordinary Litestar routes. Everything is lazy: headers are turned into a
mapping, cookies parsed and a Litestar ``Request`` built only when asked for.

Cookies set here (``set_cookie``/``delete_cookie``) go out on the response of the same
request, whether that is an action's envelope, a 303 or a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from litestar import Request
from litestar._parsers import parse_cookie_string
from litestar.datastructures import Cookie, Headers

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.types import Receive, Scope

__all__ = [
    "RequestContext",
    "context",
    "context_for",
    "cookies",
    "delete_cookie",
    "get_request",
    "headers",
    "principal_id",
    "set_cookie",
]


class RequestContext:
    """State of one request: the ASGI scope, lazily parsed views of it, and what to send back."""

    __slots__ = (
        "_cookies",
        "_headers",
        "_request",
        "action",
        "memo",
        "principal",
        "receive",
        "redirect_to",
        "response_cookies",
        "revalidated_paths",
        "revalidated_tags",
        "scope",
        "state",
    )

    def __init__(self, scope: Scope, receive: Receive, action: str = "") -> None:
        self.scope = scope
        self.receive = receive
        self.action = action
        self._headers: Headers | None = None
        self._cookies: dict[str, str] | None = None
        self._request: Request[Any, Any, Any] | None = None
        self.response_cookies: list[Cookie] = []
        self.redirect_to: str | None = None
        self.revalidated_paths: list[str] = []
        self.revalidated_tags: list[str] = []
        self.memo: dict[Any, Any] = {}
        #: Set by the authentication layer: the signed-in principal, or None when signed out.
        self.principal: Any = None
        #: Free-form per-request storage for extensions.
        self.state: dict[str, Any] = {}

    @property
    def headers(self) -> Headers:
        """The request headers (case-insensitive, read-only)."""
        if self._headers is None:
            self._headers = Headers.from_scope(self.scope)
        return self._headers

    @property
    def cookies(self) -> Mapping[str, str]:
        """The request cookies."""
        if self._cookies is None:
            # Litestar's own parser (what ``Request.cookies`` uses): cached per header value,
            # so the session cookie a client sends on every call is parsed once, where
            # ``http.cookies`` took about a third of a signed-in call.
            header = "; ".join(self.headers.getall("cookie", []))
            self._cookies = parse_cookie_string(header) if header else {}
        return self._cookies

    @property
    def request(self) -> Request[Any, Any, Any]:
        """A Litestar ``Request`` over the same scope (built on first use)."""
        if self._request is None:
            self._request = Request(self.scope, self.receive)
        return self._request

    def client_ip(self) -> str:
        """The peer address as the ASGI server reports it."""
        client = self.scope.get("client")
        return client[0] if client else ""

    def cookie_headers(self) -> list[tuple[bytes, bytes]]:
        """``Set-Cookie`` header pairs for the cookies set during this request."""
        if not self.response_cookies:
            return []
        return [
            (b"set-cookie", c.to_header(header="").strip().encode("latin-1"))
            for c in self.response_cookies
        ]


def principal_id(principal: Any) -> str | None:
    """The ID a signed-in principal is known by (rate limit keys, audit entries): its
    ``user_id``, else its ``id``, else a str or int principal itself; None when signed out."""
    if principal is None:
        return None
    for attribute in ("user_id", "id"):
        value = getattr(principal, attribute, None)
        if isinstance(value, str | int):
            return str(value)
    return str(principal) if isinstance(principal, str | int) else None


_current: ContextVar[RequestContext] = ContextVar("authstage_request")
current_var = _current


def context() -> RequestContext:
    """The context of the request being served.

    Raises:
        RuntimeError: when called outside a request (e.g. at import time or in a script).
    """
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError(
            "no request is being served here: call this from an action, a page or a route"
        ) from None


def get_request() -> Request[Any, Any, Any]:
    """The current Litestar ``Request``."""
    return context().request


def headers() -> Headers:
    """The current request's headers."""
    return context().headers


def cookies() -> Mapping[str, str]:
    """The current request's cookies."""
    return context().cookies


def set_cookie(
    key: str,
    value: str,
    *,
    max_age: int | None = None,
    path: str = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = True,
    samesite: Literal["lax", "strict", "none"] = "lax",
) -> None:
    """Set a cookie on the current response (HttpOnly and SameSite=Lax unless told otherwise)."""
    context().response_cookies.append(
        Cookie(
            key=key,
            value=value,
            max_age=max_age,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )
    )


def delete_cookie(key: str, *, path: str = "/", domain: str | None = None) -> None:
    """Expire a cookie on the current response."""
    set_cookie(key, "", max_age=0, path=path, domain=domain)


def context_for(connection: ASGIConnection[Any, Any, Any, Any]) -> RequestContext:
    """The context of ``connection``: the current one when it serves the same scope (the page
    context made it, pagecontext.py), else a new one made current.

    Litestar guards, hooks and dependencies of one request all run in the request's task, so
    they share one context; a Litestar ``Request`` they hold is reused rather than rebuilt.
    """
    ctx = _current.get(None)
    if ctx is not None and ctx.scope is connection.scope:
        if ctx._request is None and isinstance(connection, Request):
            ctx._request = connection
        return ctx
    ctx = RequestContext(connection.scope, connection.receive)
    if isinstance(connection, Request):
        ctx._request = connection
    _current.set(ctx)
    return ctx
