"""The cross-site request check that runs before anything else on ``POST /_action``.

Browsers tell us where a request comes from; non-browser clients (curl, the generated Python
client) send neither ``Sec-Fetch-Site`` nor ``Origin`` and are not subject to CSRF. The rules:

1. ``Sec-Fetch-Site: cross-site`` is refused outright (Next.js checks only ``Origin``).
2. An ``Origin`` header must name this host, or one of ``allowed_origins``. ``Origin: null``
   (sandboxed frames, some redirects) is refused. The host is the ``Host`` header, or
   ``X-Forwarded-Host`` when the proxy in front is trusted to set it.
3. ``Sec-Fetch-Site: same-site`` (a sibling subdomain) still has to pass rule 2.

Litestar's ``CSRFConfig`` is a double-submit token with no Origin or fetch-metadata check, which
is why this small module exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from authstage.errors import CrossSiteRequest

__all__ = ["OriginPolicy"]


class OriginPolicy:
    """Precomputed origin rules; ``check`` is called once per action request."""

    __slots__ = ("allowed", "trust_forwarded_host")

    def __init__(self, allowed_origins: Iterable[str] = (), *, trust_forwarded_host: bool = False):
        self.allowed = frozenset(o.rstrip("/").lower().encode() for o in allowed_origins)
        self.trust_forwarded_host = trust_forwarded_host

    def check(self, headers: Mapping[bytes, bytes]) -> None:
        """Raise ``CrossSiteRequest`` unless the request may run.

        ``headers`` maps lower-case header names to values, as built from the ASGI scope.
        """
        site = headers.get(b"sec-fetch-site")
        if site == b"cross-site":
            raise CrossSiteRequest("Cross-site request refused")
        origin = headers.get(b"origin")
        if origin is None:
            return
        origin = origin.lower()
        if origin in self.allowed:
            return
        host = None
        if self.trust_forwarded_host:
            forwarded = headers.get(b"x-forwarded-host")
            if forwarded:
                host = forwarded.split(b",", 1)[0].strip().lower()
        if host is None:
            host = headers.get(b"host", b"").lower()
        scheme, sep, netloc = origin.partition(b"://")
        if sep and host and netloc == host and scheme in (b"http", b"https"):
            return
        raise CrossSiteRequest("Cross-site request refused: the origin does not match this host")
