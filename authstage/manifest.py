"""``GET /_action/manifest``: the table generated clients resolve action names to IDs with.

Action IDs are signed with the server secret, so they differ between deployments (development,
staging, production) and change when the secret is rotated. Generated clients therefore carry
action *names*, never IDs: the first call fetches this table, and every call after it sends the
ID it found here plus the table's ``manifest`` hash::

    {"version": 1,
     "manifest": "3b1f…",            # version of the ID table (names, current IDs, signatures)
     "contract": "9c0d…",            # version of the generated code (names and JSON schemas)
     "actions": {"actions.demo.add": "8d0f4c6b2a…", ...}}

An ID the server no longer knows, sent with a ``manifest`` that is not the server's, is answered
``STALE_CLIENT``: the client refetches the table and retries once (nothing ran), or reports the
action gone. ``contract`` equals the ``CONTRACT`` constant of a client generated from the same
code; a client that sees another value knows a different version is deployed.

The table lists every action the generated clients can call, which is every registered action
except those declared ``@action(client=False)``: those stay callable only by whoever the server
hands their ID to (a server-rendered form, a bound token). An ID is an address, not a
permission: guards decide who may call what.

The document is built once, on the first request, and served with an ``ETag``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import msgspec

from authstage.encoding import error_envelope, send_json
from authstage.errors import MethodNotAllowed
from authstage.registry import is_listed
from authstage.schema import build_model

if TYPE_CHECKING:
    from litestar.types import Receive, Scope, Send

    from authstage.registry import Registry

__all__ = ["ManifestEndpoint"]

MANIFEST_VERSION = 1


class ManifestEndpoint:
    """The ASGI app behind ``GET /_action/manifest``."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._document: tuple[bytes, bytes] | None = None

    def document(self) -> tuple[bytes, bytes]:
        """The JSON body and its ETag (built on first use: the contract needs the schemas)."""
        if self._document is None:
            registry = self.registry
            body: dict[str, Any] = {
                "version": MANIFEST_VERSION,
                "manifest": registry.manifest,
                "contract": build_model(registry).contract,
                "actions": {
                    name: registry.ids[name][0]
                    for name, spec in sorted(registry.specs.items())
                    if is_listed(spec)
                },
            }
            raw = msgspec.json.encode(body)
            etag = b'"' + hashlib.sha256(raw).hexdigest()[:32].encode() + b'"'
            self._document = raw, etag
        return self._document

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "GET":
            status, body = error_envelope(MethodNotAllowed("The manifest is read with GET").body())
            await send_json(send, status, body, [(b"allow", b"GET")])
            return
        body, etag = self.document()
        headers = [(b"etag", etag), (b"cache-control", b"no-cache")]
        status = 200
        if dict(scope["headers"]).get(b"if-none-match") == etag:
            status, body = 304, b""
        else:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
