"""Helpers for pages that render forms calling actions.

A page handler (or a template, through the globals the plugin installs when the app uses
Jinja) asks for an action's ID, the hidden inputs a no-JS form needs, or a bound action::

    <form method="post" action="/_action">
      {{ action_fields("actions.posts.create_post") }}
      ...
    </form>
    <form method="post" action="/_action">
      {{ bind(delete_post, post.id, session=True).form_fields(form=post.id) }}
      <button>Delete</button>
    </form>

All of them find the app's action endpoint through the request being served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from authstage.appstate import Mounted, endpoint_of
from authstage.binding import BoundAction, hidden_inputs
from authstage.context import context
from authstage.formonce import new_once

__all__ = ["action_fields", "action_id", "bind", "endpoint"]


def endpoint() -> Mounted:
    """The action endpoint of the app serving the current request."""
    return endpoint_of(context().scope.get("app"))


def action_id(fn: Callable[..., Any] | str) -> str:
    """The current ID of an action (the function, or its registered name)."""
    return endpoint().registry.id_of(fn)


def action_fields(fn: Callable[..., Any] | str, form: str | int | None = None) -> Markup:
    """The hidden ``_action`` input naming ``fn``, for a form posted without JavaScript.

    Args:
        form: a key telling this form's no-JS outcome from that of other forms of the same
            action on the page: ``outcomes.for_action(fn, form=key)`` (outcome.py).
    """
    return hidden_inputs(_action=action_id(fn), _form=form, _once=new_once())


def bind(
    fn: Callable[..., Any] | str,
    *args: Any,
    expires_in: float | None = None,
    session: bool = False,
) -> BoundAction:
    """Bind ``args`` as the leading arguments of ``fn`` for the current page.

    Args:
        expires_in: seconds the bound action stays valid.
        session: only the session of the current request may use it.

    Raises:
        RuntimeError: ``session=True`` but the request has no session cookie.
    """
    ep = endpoint()
    token = None
    if session:
        token = context().cookies.get(ep.config.session_cookie)
        if not token:
            raise RuntimeError("bind(session=True) needs a signed-in request (no session cookie)")
    return ep.binder.bind(fn, *args, expires_in=expires_in, session_token=token)
