"""Signed action IDs and the manifest hash.

An action ID is HMAC-SHA256 of the action's stable name under the server secret, cut to
42 lowercase hex characters (168 bits, the length Next.js uses). It is unguessable without the
secret, the same in every process sharing the secret, and never derived from the request.

The manifest hash names one version of the whole action table (names, IDs and argument
schemas). Generated clients send it; when a client calls an ID the server does not know and its
manifest differs, the server answers ``STALE_CLIENT`` instead of a bare ``NOT_FOUND``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

__all__ = ["ACTION_ID_LENGTH", "action_id", "is_action_id_shape", "manifest_hash"]

ACTION_ID_LENGTH = 42
_ID_SHAPE = re.compile(rb"[0-9a-f]{42}")


def action_id(name: str, secret: bytes) -> str:
    """The 42-hex-character ID of the action called ``name`` under ``secret``.

    Example:
        >>> action_id("demo.add", b"x" * 32)[:6]
        'b5f48a'
    """
    mac = hmac.new(secret, b"authstage action v1\x00" + name.encode(), hashlib.sha256)
    return mac.hexdigest()[:ACTION_ID_LENGTH]


def is_action_id_shape(raw: bytes) -> bool:
    """True when ``raw`` looks like an action ID (says nothing about whether it is valid)."""
    return _ID_SHAPE.fullmatch(raw) is not None


def manifest_hash(entries: Iterable[tuple[str, str, str]]) -> str:
    """A 32-hex-character hash over ``(name, id, schema fingerprint)`` triples, order-free."""
    digest = hashlib.sha256()
    for name, aid, fingerprint in sorted(entries):
        digest.update(f"{name}\x00{aid}\x00{fingerprint}\n".encode())
    return digest.hexdigest()[:32]
