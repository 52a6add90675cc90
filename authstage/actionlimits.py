"""Rate limits per action: the ``@action(rate_limit=...)`` option and its check in step 4.

Two shapes, one option::

    @action(rate_limit="5/minute")                     # per signed-in user, else per IP
    async def generate_report() -> Report: ...

    @action(rate_limit=RateLimit("100/hour", key=lambda ctx: ctx.headers.get("x-api-key", "")))
    async def search(q: str) -> list[Hit]: ...

The rule is the ``limits`` string syntax (``"5/minute"``, ``"20 per 15 minutes"``), parsed when
the module is imported: a bad string is a ``RegistrationError`` then, not a 500 later. ``limits``
itself (with its storage backends, tens of milliseconds to import) is imported by the first
``RateLimit``, so an app without limits never loads it. The
counter of a call is named ``("action", <action name>, <who>)``: the action name is part of it,
so two actions never share a counter, and ``<who>`` is ``user:<id>`` for a signed-in principal
(its ``user_id``, else its ``id``), ``ip:<address>`` when signed out, or ``key:<value>`` from
the rule's own key function (a plain or async function of the ``RequestContext``).

The check runs in step 4 (steps.py), after authentication (so the user is known; a public
action with a limit resolves the principal too) and before decoding, so a refused call costs
no decoding and runs nothing. A batch takes step 4 once per call, so each call counts. Counting
goes through the app's one ``RateLimiter`` (ratelimit.py: memory, or Redis shared by every
instance; its timeout and 503 apply here unchanged). Nothing is done per call beyond a dict
lookup for an action without a limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import TYPE_CHECKING

from authstage.context import principal_id
from authstage.errors import RegistrationError

if TYPE_CHECKING:
    from limits import RateLimitItem

    from authstage.context import RequestContext
    from authstage.ratelimit import RateLimiter

__all__ = ["ActionLimits", "KeyFunction", "RateLimit"]

#: Names the caller a limit counts for: a string from the request context (or an awaitable).
KeyFunction = Callable[["RequestContext"], "str | Awaitable[str]"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A per-action rate limit: a ``limits`` rule and, optionally, who it counts for.

    Args:
        rule: ``"5/minute"``, ``"20 per 15 minutes"``, ... (the ``limits`` syntax).
        key: returns the caller's key from the ``RequestContext``; by default the signed-in
            principal's ID, else the client IP.

    Raises:
        RegistrationError: the rule cannot be parsed.
    """

    rule: str
    key: KeyFunction | None = None
    item: RateLimitItem = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from limits import parse  # here, not at import: only apps with limits pay for it

        try:
            item = parse(self.rule)
        except ValueError as exc:
            raise RegistrationError(f"rate_limit {self.rule!r} is not a rule: {exc}") from None
        object.__setattr__(self, "item", item)

    @classmethod
    def of(cls, value: object, where: str) -> RateLimit:
        """``value`` (a rule string or a ``RateLimit``) as a ``RateLimit``.

        Raises:
            RegistrationError: ``value`` is neither, or its rule cannot be parsed.
        """
        if isinstance(value, RateLimit):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except RegistrationError as exc:
                raise RegistrationError(f"{where}: {exc}") from None
        raise RegistrationError(f"{where}: rate_limit is a rule string or a RateLimit")


class ActionLimits:
    """The limits of one registry's actions over one limiter, built once at startup."""

    def __init__(self, limits: dict[str, RateLimit], limiter: RateLimiter) -> None:
        self.by_action = limits
        self.limiter = limiter

    async def check(self, ctx: RequestContext, name: str) -> None:
        """Count this call of action ``name`` (no-op without a limit).

        Raises:
            RateLimited: over the limit (429, ``Retry-After`` until the window frees).
            Unavailable: the limiter's storage cannot be reached (503).
        """
        limit = self.by_action.get(name)
        if limit is None:
            return
        if limit.key is not None:
            value = limit.key(ctx)
            who = "key:" + str(await value if isawaitable(value) else value)
        elif (user := principal_id(ctx.principal)) is not None:
            who = "user:" + user
        else:
            who = "ip:" + ctx.client_ip()
        message = "Too many calls of this action; try again later"
        await self.limiter.hit(limit.item, "action", name, who, message=message)
