"""Fragments: parts of a page rendered by a read action, so a mutation can refresh them.

A page is made of parts that actions change: a todo list, a like counter, an export's status.
Each such part is a partial template plus the function that gathers its context::

    @action
    @fragment("todos/_list.html", paths=["/todos"])
    async def todo_list(show: str = "all") -> dict[str, Any]:
        return {"todos": await todos_of_the_current_user(show)}

``todo_list`` is then a read action whose value is the rendered HTML (a ``str``), declaring
what it depends on exactly as ``@depends_on`` does. A page handler puts it in place with
``await region(todo_list, show="all")``: the HTML wrapped in an element naming the read and its
arguments (``data-authstage-region``, ``data-authstage-args``). The browser script sends every
region of the page in the ``Authstage-Refresh`` header of each form it posts; the reply carries
the fresh HTML of the regions the action revalidated, and the script swaps it in. One round trip,
no reload, and nothing to write in JavaScript. Without JavaScript the same page is rendered
whole after the form's redirect.

Why not re-fetch the page and diff it (as htmx or Turbo do): that is a second request after
every mutation and re-renders everything; a region re-renders only what the action said it
changed, in the mutation's own reply.

The partial is rendered by the app's template engine (the one ``Litestar(template_config=...)``
made, with the plugin's globals: ``action_fields``, ``bind``), so a fragment renders the same
inside a page and inside an action's reply.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import msgspec
from markupsafe import Markup

from authstage.context import context
from authstage.dependencies import TagSource, declare, tag_function
from authstage.errors import ConfigurationError
from authstage.pages import action_id

__all__ = ["fragment", "region", "render_template"]

F = TypeVar("F", bound=Callable[..., Awaitable[Mapping[str, Any]]])
_ATTR = "__authstage_fragment__"
_TAG = re.compile(r"[a-z][a-z0-9]*")
_REGION = Markup('<{tag} data-authstage-region="{id}" data-authstage-args="{args}">{html}</{tag}>')


def render_template(name: str, values: Mapping[str, Any]) -> str:
    """Render the app's template ``name`` with ``values``, for the request being served.

    Raises:
        ConfigurationError: the app has no template engine.
    """
    engine = getattr(context().scope.get("app"), "template_engine", None)
    if engine is None:
        raise ConfigurationError("a fragment needs the app's template_config (Jinja)")
    return str(engine.get_template(name).render(**values))


def fragment(
    template: str, *, tags: TagSource = (), paths: TagSource = ()
) -> Callable[[F], Callable[..., Awaitable[str]]]:
    """Make ``fn`` (returning a template context) a read returning ``template`` rendered.

    Args:
        template: the partial template's name in the app's template folder.
        tags, paths: what the fragment depends on (as ``@depends_on``); a mutation that
            revalidates one of them refreshes every region showing it.

    Raises:
        ConfigurationError: at decoration, when neither ``tags`` nor ``paths`` is given or a
            tags function names an argument the function does not take.
    """

    def make(fn: F) -> Callable[..., Awaitable[str]]:
        where = f"@fragment {fn.__module__}.{fn.__qualname__}"
        if not tags and not paths:
            raise ConfigurationError(f"{where}: give tags=, paths= or both")

        @functools.wraps(fn)
        async def rendered(*args: Any, **kwargs: Any) -> str:
            return render_template(template, await fn(*args, **kwargs))

        # The action's wire type is the HTML; its parameters stay those of ``fn``.
        rendered.__annotations__ = {**fn.__annotations__, "return": "str"}
        names = set(inspect.signature(fn).parameters)
        declare(rendered, tag_function(tags, names, where), tag_function(paths, names, where))
        setattr(rendered, _ATTR, template)
        return rendered

    return make


async def region(fn: Callable[..., Awaitable[str]], /, *, tag: str = "div", **args: Any) -> Markup:
    """``fn``'s HTML for ``args``, wrapped so the browser script can refresh it in place.

    Args:
        fn: a ``@fragment`` read registered as an action.
        tag: the wrapping element (``div``; ``tbody`` or ``ul`` where the markup needs one).
        args: the read's arguments, by name (JSON values: they travel in the refresh header).

    Raises:
        ConfigurationError: ``fn`` is not a fragment.
    """
    if not _TAG.fullmatch(tag):
        raise ConfigurationError(f"region(): {tag!r} is not an element name")
    if getattr(fn, _ATTR, None) is None:
        raise ConfigurationError(
            f"region(): {getattr(fn, '__qualname__', fn)!r} is not a @fragment"
        )
    html = await fn(**args)
    encoded = msgspec.json.encode(args).decode()
    return _REGION.format(tag=tag, id=action_id(fn), args=encoded, html=Markup(html))  # noqa: S704 (the partial rendered by the autoescaping engine)
