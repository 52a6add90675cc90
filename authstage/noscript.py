"""Replies to HTML forms posted without JavaScript: always a ``303 See Other``.

A no-JS post (a form whose ``_action`` field names the action, no ``Authstage-Action``
header) must leave the browser on a page, never on a JSON body:

- the action called ``redirect()``: 303 to that same-origin path;
- otherwise 303 back to the page the form was on (the ``Referer``, only when it is this
  site), with the outcome (result, or error with field errors, and the submitted values minus
  passwords) kept for exactly one render (outcome.py).

Without a same-origin Referer (a browser set to send none) there is no page to go back to, and
the JSON envelope is sent with its status instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import msgspec

from authstage.context import set_cookie
from authstage.encoding import send_json, send_redirect, success_envelope
from authstage.errors import CrossSiteRequest, ErrorBody
from authstage.forms import submitted_values
from authstage.navigation import safe_target
from authstage.outcome import OUTCOME_COOKIE, OUTCOME_TTL, Outcome, save_outcome

if TYPE_CHECKING:
    from litestar.stores.base import Store
    from litestar.types import Scope, Send

    from authstage.context import RequestContext
    from authstage.csrf import OriginPolicy
    from authstage.forms import Form
    from authstage.registry import ActionSpec

__all__ = ["NoScriptReply"]


class NoScriptReply:
    """Builds the 303 replies of no-JS form posts."""

    def __init__(self, store: Store, policy: OriginPolicy) -> None:
        self.store = store
        self.policy = policy

    def back_to(self, h: dict[bytes, bytes], scope: Scope) -> str | None:
        """The same-origin path of the Referer (scheme and port included), or None."""
        referer = h.get(b"referer")
        if not referer:
            return None
        try:
            parts = urlsplit(referer.decode("latin-1"))
        except ValueError:
            return None
        if not parts.scheme or not parts.netloc:
            return None
        origin = f"{parts.scheme}://{parts.netloc}".encode("latin-1")
        try:
            self.policy.check({**h, b"origin": origin, b"sec-fetch-site": b"same-origin"}, scope)
        except CrossSiteRequest:
            return None
        path = parts.path or "/"
        return safe_target(f"{path}?{parts.query}" if parts.query else path)

    async def _back(self, send: Send, ctx: RequestContext, target: str, outcome: Outcome) -> None:
        key = await save_outcome(self.store, outcome)
        set_cookie(OUTCOME_COOKIE, key, max_age=OUTCOME_TTL, httponly=True, samesite="lax")
        await send_redirect(send, target, ctx.cookie_headers())

    async def success(
        self,
        send: Send,
        ctx: RequestContext,
        h: dict[bytes, bytes],
        spec: ActionSpec,
        data: bytes,
        form: Form | None,
    ) -> None:
        """Reply to a no-JS post whose action succeeded (or redirected)."""
        if ctx.redirect_to is not None:
            await send_redirect(send, ctx.redirect_to, ctx.cookie_headers())
            return
        target = self.back_to(h, ctx.scope)
        if target is None:
            await send_json(send, 200, success_envelope(data), ctx.cookie_headers())
            return
        values = submitted_values(form) if form is not None else {}
        outcome = Outcome(action=spec.name, ok=True, data=msgspec.Raw(data), values=values)
        await self._back(send, ctx, target, outcome)

    async def failure(
        self,
        send: Send,
        ctx: RequestContext,
        h: dict[bytes, bytes],
        spec: ActionSpec,
        error: ErrorBody,
        values: dict[str, str | list[str]],
    ) -> bool:
        """Send the user back with ``error``; False when there is no page to go back to."""
        target = self.back_to(h, ctx.scope)
        if target is None:
            return False
        outcome = Outcome(action=spec.name, ok=False, error=error, values=values)
        await self._back(send, ctx, target, outcome)
        return True
