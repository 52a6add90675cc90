"""Bound arguments: fix an action's leading arguments on the server, opaquely (Next.js closures).

``bind(delete_post, post.id)`` returns a token to put in a form (``_bound`` field) or send in the
``Authstage-Bound`` header; the caller supplies the remaining arguments. The token is AES-GCM
under a key derived with HKDF from the server secret, with the action's ID as associated data:
the caller can neither read nor change the bound values, nor replay them on another action.

Beyond Next.js, a token may carry an expiry and be bound to the caller's session (the SHA-256
of the session cookie): a token leaked from one user's page is useless to another. Any failure
(tampered, expired, another action, another session) is ``BadRequest`` and nothing runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec
from markupsafe import Markup, escape

from authstage.errors import BadRequest
from authstage.formonce import new_once
from authstage.registry import Registry, spec_of

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["Binder", "BoundAction", "hidden_inputs"]

_VERSION = b"\x01"
_NONCE = 12
_AAD = b"authstage bound v1\x00"
_PURPOSE = b"authstage bound-args v1"
#: Tokens longer than this are refused before any decryption is attempted.
MAX_TOKEN_LENGTH = 16 * 1024


class _Payload(msgspec.Struct, array_like=True):
    args: list[Any]
    expires: float | None = None
    session: str | None = None


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Payload).decode


def session_fingerprint(session_token: str | None) -> str | None:
    """A non-secret stand-in for a session token (its SHA-256, shortened)."""
    if not session_token:
        return None
    return hashlib.sha256(session_token.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class BoundAction:
    """An action with some leading arguments bound: what a page puts into a form."""

    action_id: str
    token: str

    def form_fields(self, form: str | int | None = None) -> Markup:
        """Hidden inputs carrying the action ID and the bound token, for an HTML form.

        Args:
            form: a key telling this form's no-JS outcome from that of other forms of the
                same action on the page (one per row): ``outcomes.for_action(fn, form=key)``.
        """
        return hidden_inputs(
            _action=self.action_id, _bound=self.token, _form=form, _once=new_once()
        )


def hidden_inputs(**fields: str | int | None) -> Markup:
    """``<input type="hidden">`` elements for the fields that have a value."""
    # Names and values are escaped; Markup only marks the joined result as safe HTML.
    return Markup(  # noqa: S704
        "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
            for name, value in fields.items()
            if value is not None
        )
    )


class Binder:
    """Makes and opens bound-argument tokens for one registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @cached_property
    def _ciphers(self) -> list[AESGCM]:
        """One cipher per accepted secret, the current one first; made on first use, so an app
        that binds nothing never imports cryptography's AEAD."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return [AESGCM(k) for k in self.registry.keys.derive(_PURPOSE)]

    def bind(
        self,
        fn: Callable[..., Any] | str,
        *args: Any,
        expires_in: float | None = None,
        session_token: str | None = None,
    ) -> BoundAction:
        """Bind ``args`` as the leading arguments of ``fn`` (the function or its name).

        Args:
            expires_in: seconds the token stays valid (default: no expiry).
            session_token: when given, only a caller presenting this session may use it.
        """
        spec = self.registry.specs.get(fn) if isinstance(fn, str) else spec_of(fn)
        if spec is None:
            raise TypeError(f"no action named {fn!r} is registered")
        if len(args) > len(spec.signature.params):
            raise TypeError(f"{spec.name} takes {len(spec.signature.params)} arguments")
        aid = self.registry.id_of(spec.name)
        payload = _Payload(
            args=[msgspec.to_builtins(a) for a in args],
            expires=None if expires_in is None else time.time() + expires_in,
            session=session_fingerprint(session_token),
        )
        nonce = os.urandom(_NONCE)
        sealed = self._ciphers[0].encrypt(nonce, _encode(payload), _AAD + aid.encode())
        token = base64.urlsafe_b64encode(_VERSION + nonce + sealed).rstrip(b"=").decode()
        return BoundAction(action_id=aid, token=token)

    def open(self, name: str, token: str | bytes, session_token: str | None) -> list[Any]:
        """The raw bound values of ``token`` for the action ``name``.

        Raises:
            BadRequest: the token is malformed, tampered with, made for another action,
                expired, or bound to another session.
        """
        raw = token.encode() if isinstance(token, str) else token
        if len(raw) > MAX_TOKEN_LENGTH:
            raise BadRequest("Bound arguments are invalid")
        try:
            blob = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
        except (binascii.Error, ValueError):
            raise BadRequest("Bound arguments are invalid") from None
        if len(blob) < 1 + _NONCE + 16 or blob[:1] != _VERSION:
            raise BadRequest("Bound arguments are invalid")
        from cryptography.exceptions import InvalidTag

        nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        for cipher, aid in zip(self._ciphers, self.registry.ids[name], strict=True):
            try:
                plain = cipher.decrypt(nonce, sealed, _AAD + aid.encode())
                break
            except InvalidTag:
                continue
        else:
            raise BadRequest("Bound arguments are invalid")
        payload = _decode(plain)
        if payload.expires is not None and payload.expires < time.time():
            raise BadRequest("Bound arguments have expired")
        if payload.session is not None and payload.session != session_fingerprint(session_token):
            raise BadRequest("Bound arguments belong to another session")
        return payload.args
