"""The cross-site request check that runs before anything else on ``POST /_action``.

Browsers tell us where a request comes from; non-browser clients (curl, the generated Python
client) send neither ``Sec-Fetch-Site`` nor ``Origin`` and are not subject to CSRF. The rules:

1. ``Sec-Fetch-Site: cross-site`` is refused outright (Next.js checks only ``Origin``).
2. An ``Origin`` header must be this site's own origin, or one of ``allowed_origins``. Origins
   are compared whole, as browsers define them: scheme, host and port, with the default port
   filled in (``http://h`` is ``http://h:80``), so ``https://host`` does not pass on an http
   server, nor ``http://host:8001`` on port 8000. ``Origin: null`` (sandboxed frames, some
   redirects) and anything that is not ``http(s)://host[:port]`` are refused.
3. The request's own origin is the ASGI scope's scheme and the ``Host`` header; behind a proxy
   trusted to set them (``trust_forwarded``), ``X-Forwarded-Proto`` and ``X-Forwarded-Host``
   (their first value) instead. Untrusted, those headers are ignored: a client could send them.
4. ``Sec-Fetch-Site: same-site`` (a sibling subdomain) still has to pass rule 2.

Cost: a same-origin browser call whose ``Origin`` is byte-for-byte ``scheme://host`` (what
browsers send) is one comparison; other origins are parsed (a few string operations).

Litestar's ``CSRFConfig`` is a double-submit token with no Origin or fetch-metadata check, which
is why this small module exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authstage.errors import ConfigurationError, CrossSiteRequest

__all__ = ["OriginPolicy", "parse_origin"]

_DEFAULT_PORTS = {b"http": 80, b"https": 443}

#: ``(scheme, host, port)``, lower case, the port always present.
Origin = tuple[bytes, bytes, int]


def parse_origin(raw: bytes) -> Origin | None:
    """``raw`` (``scheme://host[:port]``) as a normalised origin, or None if it is not one."""
    scheme, sep, netloc = raw.strip().lower().partition(b"://")
    default = _DEFAULT_PORTS.get(scheme)
    if not sep or default is None or not netloc or any(c in netloc for c in b"/@?#\\ "):
        return None
    if netloc.startswith(b"["):  # IPv6 literal: [::1]:8000
        end = netloc.find(b"]") + 1
        host, port = netloc[:end], netloc[end:]
        if not end or (port and not port.startswith(b":")):
            return None
        port = port[1:]
    else:
        host, _, port = netloc.partition(b":")
    if not host or (port and not port.isdigit()):
        return None
    number = int(port) if port else default
    return (scheme, host, number) if number <= 0xFFFF else None


class OriginPolicy:
    """Precomputed origin rules; ``check`` is called once per action request."""

    __slots__ = ("allowed", "trust_forwarded")

    def __init__(self, allowed_origins: Iterable[str] = (), *, trust_forwarded: bool = False):
        allowed = set()
        for text in allowed_origins:
            origin = parse_origin(text.rstrip("/").encode())
            if origin is None:
                raise ConfigurationError(
                    f"allowed origin {text!r} must look like https://host[:port]"
                )
            allowed.add(origin)
        self.allowed = frozenset(allowed)
        self.trust_forwarded = trust_forwarded

    def own_origin(self, headers: Mapping[bytes, bytes], scope: Mapping[str, Any]) -> bytes:
        """This request's own origin, ``scheme://host`` as the request states it (unparsed);
        empty without a host."""
        # ASGI: "scheme" is optional and defaults to http.
        proto, host = scope.get("scheme", "http").encode(), headers.get(b"host", b"")
        if self.trust_forwarded:
            proto = _first(headers.get(b"x-forwarded-proto")) or proto
            host = _first(headers.get(b"x-forwarded-host")) or host
        return proto.lower() + b"://" + host.lower() if host else b""

    def check(self, headers: Mapping[bytes, bytes], scope: Mapping[str, Any]) -> None:
        """Raise ``CrossSiteRequest`` unless the request may run.

        Args:
            headers: lower-case header names to values, as built from the ASGI scope.
            scope: the request's ASGI scope (for its ``scheme``).
        """
        if headers.get(b"sec-fetch-site") == b"cross-site":
            raise CrossSiteRequest("Cross-site request refused")
        origin = headers.get(b"origin")
        if origin is None:
            return
        own = self.own_origin(headers, scope)
        if own and origin.lower() == own:
            return
        parsed = parse_origin(origin)
        if parsed is not None and (parsed in self.allowed or parsed == parse_origin(own)):
            return
        raise CrossSiteRequest("Cross-site request refused: the origin is not this site's")


def _first(value: bytes | None) -> bytes:
    """The first entry of a comma-separated forwarded header (the client-facing proxy's)."""
    return value.split(b",", 1)[0].strip() if value else b""
