"""Navigation and revalidation from inside an action: ``redirect``, ``not_found``,
``revalidate_path`` and ``revalidate_tag``.

``redirect()`` ends the action at once (like Next.js, it raises; don't call it inside a
``try`` that catches ``Exception``). Only same-origin relative targets are accepted: Next.js's
CVE-2024-34351 came from building an absolute URL out of the Host header, so a target is never
joined with anything from the request. JavaScript callers receive the target in the envelope;
HTML forms posted without JavaScript receive ``303 See Other``.

``safe_target`` is the one gate for every target the server sends a browser to: ``redirect()``,
the no-JS form's way back to its Referer (noscript.py) and the login page's ``next``. It also
percent-encodes the target (UTF-8, RFC 3986), so ``/€`` is sent as ``/%E2%82%AC``: a
``Location`` header is Latin-1 on the wire, and the envelope then carries the same value.
Reserved characters and existing ``%XX`` escapes are kept, so encoding twice changes nothing.
``urllib.parse.quote`` does the encoding; only a lone ``%`` needs a regex first. Cost: a few
string scans per redirect, microseconds, never on a call that does not redirect.

Revalidation records paths and tags; after the action succeeds the server tells its
revalidation listeners (cache invalidation, on every instance) and the response tells the client.
"""

from __future__ import annotations

import re
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit

from authstage.context import context
from authstage.errors import AuthstageError, BadRequest, NotFound

__all__ = [
    "RedirectSignal",
    "not_found",
    "redirect",
    "revalidate_path",
    "revalidate_tag",
    "safe_target",
]


class RedirectSignal(AuthstageError):
    """Raised by ``redirect()`` to end the action; the dispatcher turns it into the response."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


#: Longer targets are refused: a proxy drops a response whose headers outgrow its buffer (nginx's
#: default is 4 KiB), and no page of this site needs a longer address.
MAX_TARGET_LENGTH = 2048
#: RFC 3986 reserved characters (gen-delims and sub-delims): kept as they are.
_RESERVED = ":/?#[]@!$&'()*+,;="
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")  # what the WHATWG URL parser drops anywhere


def _percent_encode(target: str) -> str:
    """``target`` as an ASCII URI reference: UTF-8 percent-encoding outside the reserved set."""
    return quote(_LONE_PERCENT.sub("%25", target), safe=_RESERVED + "%")


def safe_target(target: str) -> str | None:
    """``target`` percent-encoded when it is a same-origin relative path, else ``None``.

    Refused: absolute URLs, scheme-relative ``//host``, backslashes (browsers read ``\\`` as
    ``/``), control characters (browsers drop tabs and newlines, so ``/\\t/host`` is ``//host``),
    anything not starting with ``/``, targets longer than ``MAX_TARGET_LENGTH`` once encoded,
    and paths that start with ``//`` or ``/\\`` once their escapes are decoded (``/%2F%2Fhost``,
    ``/%09/host``). A browser keeps such escapes and stays on this site (the WHATWG URL parser
    never decodes a path), but a server that decodes the path and redirects again (a
    trailing-slash redirect) would send it to ``host``.
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if _TAB_OR_NEWLINE.sub("", unquote(parts.path))[:2] in ("//", "/\\"):
        return None
    encoded = _percent_encode(target)
    return encoded if len(encoded) <= MAX_TARGET_LENGTH else None


def redirect(target: str, *, fallback: str | None = None) -> NoReturn:
    """End the action and send the caller to ``target`` (a same-origin path like ``/posts``).

    The caller receives the target percent-encoded (``/€`` becomes ``/%E2%82%AC``).

    Args:
        target: where to go; it may come from the request (a ``next`` field) when a
            ``fallback`` is given.
        fallback: where to go instead when ``target`` is empty or not a same-origin path.

    Raises:
        BadRequest: the target (or the fallback) is not a same-origin relative path; nothing
            is redirected.

    Example:
        >>> @action
        ... async def delete_post(post_id: int) -> None:
        ...     await Post.delete().where(Post.id == post_id)
        ...     redirect("/posts")
    """
    checked = safe_target(target)
    if checked is None and fallback is not None:
        checked = safe_target(fallback)
    if checked is None:
        raise BadRequest("Redirect refused: the target must be a same-origin path such as /posts")
    raise RedirectSignal(checked)


def not_found(message: str = "Not found") -> NoReturn:
    """End the action with ``NOT_FOUND`` (404)."""
    raise NotFound(message)


def revalidate_path(path: str) -> None:
    """Mark ``path`` as changed: caches drop it and the caller is told to refresh it."""
    if not path.startswith("/"):
        raise ValueError(f"revalidate_path takes a path starting with '/', not {path!r}")
    paths = context().revalidated_paths
    if path not in paths:
        paths.append(path)


def revalidate_tag(tag: str) -> None:
    """Mark every cache entry tagged ``tag`` as changed; the caller is told the tag."""
    if not tag:
        raise ValueError("revalidate_tag takes a non-empty tag")
    tags = context().revalidated_tags
    if tag not in tags:
        tags.append(tag)
