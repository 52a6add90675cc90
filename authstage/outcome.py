"""The outcome of a form posted without JavaScript, kept for exactly one page render.

After such a post the browser is sent back (303) to the page it came from. The outcome (the
result, or the error with its field errors, plus the submitted values minus passwords) is put
in a Litestar ``Store`` under a random key, and the key in a short-lived HttpOnly cookie. The
page calls ``take_outcome()``: it reads the entry and deletes it, so a reload shows a clean form.
The store is in memory by default and Redis with several instances.

An outcome belongs to the form that produced it, not to the page: a failed "change password"
must not blank the profile form beside it. ``take_outcome()`` returns ``Outcomes``, from which
each form asks for its own (``outcomes.for_action(change_password)``); every other form gets
None and renders the page's current data. Two forms of one action on a page (a delete button
per row) tell theirs apart by a form key, the ``_form`` field (``action_fields(fn, form=key)``,
``bound.form_fields(form=key)``); it travels among the submitted values and the ``Outcome``
moves it to ``form``. ``take_outcome()`` is memoized per request, so a layout and its page may
both ask. Cost: one store read and delete for a render that carries the cookie, nothing for
one that does not; matching a form is a string comparison.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.stores.base import Store

from authstage.appstate import endpoint_of
from authstage.context import context, delete_cookie
from authstage.errors import ErrorBody
from authstage.memo import request_cache
from authstage.params import FORM_FIELD
from authstage.registry import spec_of

__all__ = ["OUTCOME_COOKIE", "Outcome", "Outcomes", "save_outcome", "take_outcome"]

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
    #: The key of the form that was posted (its ``_form`` field), None without one.
    form: str | None = None

    def __post_init__(self) -> None:
        key = self.values.pop(FORM_FIELD, None)  # sent among the values, kept apart from them
        if key is not None:
            self.form = key if isinstance(key, str) else key[0]

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


class Outcomes:
    """The outcome waiting for this page render, handed only to the form that produced it."""

    __slots__ = ("latest",)

    def __init__(self, latest: Outcome | None) -> None:
        #: The outcome, whichever form posted it (None when nothing was posted).
        self.latest = latest

    def for_action(
        self, action: Callable[..., Any] | str, form: str | int | None = None
    ) -> Outcome | None:
        """The outcome of the form posting to ``action`` with key ``form``, else None.

        Args:
            action: the action (the function, or its registered name).
            form: the form's key, as given to ``action_fields``/``form_fields``; a form
                without one matches only an outcome posted without one.

        Example:
            >>> pw = outcomes.for_action("actions.accounts.change_password")
            >>> row = outcomes.for_action(delete_note, form=note.id)
        """
        latest = self.latest
        if latest is None:
            return None
        name = action if isinstance(action, str) else spec_of(action).name
        key = None if form is None else str(form)
        return latest if latest.action == name and latest.form == key else None


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Outcome).decode


async def save_outcome(store: Store, outcome: Outcome) -> str:
    """Keep ``outcome`` for one render; returns the key to put in the cookie."""
    key = secrets.token_urlsafe(24)
    await store.set(key, _encode(outcome), expires_in=OUTCOME_TTL)
    return key


@request_cache
async def take_outcome(store: Store | None = None) -> Outcomes:
    """The outcome waiting for this page render, removed so that it shows exactly once.

    Call it from a page handler (once or more: the first call of a request reads it, later
    ones share it); the outcome cookie is cleared on the same response. Each form then asks
    ``for_action(...)`` for its own.
    """
    return Outcomes(await _take(store))


async def _take(store: Store | None) -> Outcome | None:
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
