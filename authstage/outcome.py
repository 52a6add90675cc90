"""The outcome of a form posted without JavaScript, kept for exactly one page render.

After such a post the browser is sent back (303) to the page it came from. The outcome (the
result, or the error with its field errors, plus the submitted values minus passwords) is put
in a Litestar ``Store`` under a random key, and the key in a short-lived HttpOnly cookie. The
page calls ``take_outcome()``: it reads the entry and deletes it, so a reload shows a clean form.
The store is in memory by default and Redis with several instances.
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar.stores.base import Store

from authstage.appstate import endpoint_of
from authstage.context import context, delete_cookie
from authstage.errors import ErrorBody

__all__ = ["OUTCOME_COOKIE", "Outcome", "save_outcome", "take_outcome"]

OUTCOME_COOKIE = "authstage_outcome"
#: Seconds an outcome waits for its page render before it is dropped.
OUTCOME_TTL = 120


class Outcome(msgspec.Struct, omit_defaults=True):
    """What a page needs to re-render a form after a no-JS post."""

    action: str
    ok: bool
    data: msgspec.Raw = msgspec.Raw(b"null")
    error: ErrorBody | None = None
    values: dict[str, str | list[str]] = {}

    def field_errors(self, name: str) -> list[str]:
        """The errors for one input (empty when there are none)."""
        return self.error.field_errors.get(name, []) if self.error else []

    def value(self, name: str, default: str = "") -> str:
        """The submitted value of one input, to put back in the form."""
        got = self.values.get(name, default)
        return got if isinstance(got, str) else (got[0] if got else default)

    def result(self) -> Any:
        """The action's result as plain data (None on error)."""
        return msgspec.json.decode(self.data)


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Outcome).decode


async def save_outcome(store: Store, outcome: Outcome) -> str:
    """Keep ``outcome`` for one render; returns the key to put in the cookie."""
    key = secrets.token_urlsafe(24)
    await store.set(key, _encode(outcome), expires_in=OUTCOME_TTL)
    return key


async def take_outcome(store: Store | None = None) -> Outcome | None:
    """The outcome waiting for this page render, removed so that it shows exactly once.

    Call it from a page handler; the outcome cookie is cleared on the same response.
    """
    ctx = context()
    key = ctx.cookies.get(OUTCOME_COOKIE)
    if not key:
        return None
    if store is None:
        store = endpoint_of(ctx.scope.get("app")).outcome_store
    raw = await store.get(key)
    await store.delete(key)
    delete_cookie(OUTCOME_COOKIE)
    if raw is None:
        return None
    try:
        return _decode(raw)
    except msgspec.ValidationError:
        return None
