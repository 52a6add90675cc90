"""Navigation and revalidation from inside an action: ``redirect``, ``not_found``,
``revalidate_path`` and ``revalidate_tag``.

``redirect()`` ends the action at once (like Next.js, it raises; don't call it inside a
``try`` that catches ``Exception``). Only same-origin relative targets are accepted: Next.js's
CVE-2024-34351 came from building an absolute URL out of the Host header, so a target is never
joined with anything from the request. JavaScript callers receive the target in the envelope;
HTML forms posted without JavaScript receive ``303 See Other``.

Revalidation records paths and tags; after the action succeeds the server tells its
revalidation listeners (cache invalidation, on every instance) and the response tells the client.
"""

from __future__ import annotations

from typing import NoReturn
from urllib.parse import urlsplit

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


def safe_target(target: str) -> str | None:
    """``target`` when it is a same-origin relative path, else ``None``.

    Refused: absolute URLs, scheme-relative ``//host``, backslashes (browsers read ``\\`` as
    ``/``), control characters and anything not starting with ``/``.
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect(target: str) -> NoReturn:
    """End the action and send the caller to ``target`` (a same-origin path like ``/posts``).

    Raises:
        BadRequest: the target is not a same-origin relative path; nothing is redirected.

    Example:
        >>> @action
        ... async def delete_post(post_id: int) -> None:
        ...     await Post.delete().where(Post.id == post_id)
        ...     redirect("/posts")
    """
    if safe_target(target) is None:
        raise BadRequest("Redirect refused: the target must be a same-origin path such as /posts")
    raise RedirectSignal(target)


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
