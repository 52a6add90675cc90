"""The browser script: served by the plugin, written into pages by ``authstage_script()``.

``authstage/static/enhance.js`` (built from ``authstage/browser/*.ts`` by
``scripts/build-enhance``, docs/browser.md) enhances every form posting to ``/_action``. The
plugin serves it at ``/_authstage/enhance.<hash>.js``, the hash being its content's, with a
year of immutable caching: a new script is a new URL, so browsers never run a stale one, and
the unchanged one is never asked for again. A page loads it with::

    <head>{{ authstage_script() }}</head>

which writes ``<script defer src="/_authstage/enhance.<hash>.js" data-...>`` (no inline code,
so a ``script-src 'self'`` Content-Security-Policy allows it). The tag's ``data-`` attributes
tell the script what it cannot know: the action endpoint's path, the login page an expired
session goes to, and how many regions one call may refresh (``max_refresh_reads``).

Served by a raw ASGI handler (a static file of ~10 KB needs no Litestar response machinery);
``GET`` and ``HEAD`` only, ``405`` otherwise. It is public (no session is read) and, being a
``GET``, outside the origin check that guards ``POST /_action``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from authstage.context import context

if TYPE_CHECKING:
    from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send

__all__ = ["SCRIPT_KEY", "SCRIPT_PREFIX", "EnhanceScript", "authstage_script", "script_source"]

#: ``app.state`` key of the app's ``EnhanceScript``.
SCRIPT_KEY = "authstage_script"
#: Where the plugin serves its static files.
SCRIPT_PREFIX = "/_authstage"
_HEADERS = [
    (b"content-type", b"text/javascript; charset=utf-8"),
    (b"cache-control", b"public, max-age=31536000, immutable"),
    (b"x-content-type-options", b"nosniff"),
]


def script_source() -> bytes:
    """The bundled script shipped in the package (``authstage/static/enhance.js``)."""
    return (files("authstage") / "static" / "enhance.js").read_bytes()


@dataclass(frozen=True)
class EnhanceScript:
    """The script's bytes, its URL and the tag loading it, for one app."""

    body: bytes
    endpoint: str
    login_url: str
    max_refresh: int

    @property
    def url(self) -> str:
        """``/_authstage/enhance.<first 16 hex of its SHA-256>.js``."""
        digest = hashlib.sha256(self.body).hexdigest()[:16]
        return f"{SCRIPT_PREFIX}/enhance.{digest}.js"

    def tag(self) -> Markup:
        """The ``<script defer>`` element loading the script, with its settings."""
        attributes = {
            "src": self.url,
            "data-endpoint": self.endpoint,
            "data-login": self.login_url,
            "data-max-refresh": str(self.max_refresh),
        }
        written = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items())
        return Markup(f"<script defer {written}></script>")  # noqa: S704 (every value escaped)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the script (the ASGI app behind its URL)."""
        method = scope.get("method")
        if method in {"GET", "HEAD"}:
            headers = [*_HEADERS, (b"content-length", b"%d" % len(self.body))]
            await _send(send, 200, headers, b"" if method == "HEAD" else self.body)
        else:
            await _send(send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0")], b"")


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def authstage_script() -> Markup:
    """The ``<script>`` tag loading the browser script, for the page being rendered (a Jinja
    global the plugin installs; call it in any other template engine's context the same way).

    Raises:
        RuntimeError: the app serving the request has no ``AuthstagePlugin``.
    """
    app: Any = context().scope.get("app")
    script = app.state.get(SCRIPT_KEY) if app is not None else None
    if not isinstance(script, EnhanceScript):
        raise RuntimeError("authstage_script() needs an app with the AuthstagePlugin")
    return script.tag()
