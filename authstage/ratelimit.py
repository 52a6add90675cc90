"""Rate limits with the ``limits`` library, keyed by (who, what).

Litestar's ``RateLimitConfig`` keys only by client, so two routes share one counter; here every
rule has its own namespace and identifiers (an IP, an email, a user ID, an action name). Storage
is in memory for one process, or Redis (``async+redis://host:6379``) so every instance shares
the counters. A refusal is ``RateLimited`` (429) with ``Retry-After``. One limiter serves an app:
the login and signup throttles and ``@action(rate_limit=...)`` (actionlimits.py) alike.

The moving-window strategy is used: it is exact (no burst at window edges), which is what a login
throttle needs.

A limit is a dependency like any other, so it fails as one. Every Redis operation is bounded by
``timeout`` (socket timeouts, and ``asyncio.timeout`` around the whole call for a server that
accepts and then stalls): past it, or when the server is gone, the call answers ``Unavailable``
(503) with ``Retry-After``, never a hang and never a 500. By default it fails closed (the
limited call does not run): a limit that let everything through while Redis is down would be no
limit. ``on_outage="open"`` (``AUTHSTAGE_RATE_LIMITS_ON_OUTAGE=open``) lets calls through
instead, for apps whose limits protect capacity rather than accounts; either way the outage
and the recovery are logged once each (outage.py). ``start()``
pings the server at app startup, so an unreachable Redis is one ``ConfigurationError`` line
then. The cost: one round trip per hit on Redis (two for a refusal, which reads the window).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable
from inspect import isawaitable
from typing import Any, Literal, NoReturn, TypeVar, cast

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from authstage.errors import (
    ConfigurationError,
    RateLimited,
    Unavailable,
    one_line,
    server_name,
    within,
)
from authstage.outage import Outage

__all__ = [
    "OnOutage",
    "RateLimiter",
    "default_key_prefix",
    "default_on_outage",
    "default_storage_uri",
]

T = TypeVar("T")

#: What a limit that cannot be checked does: refuse the call (503) or let it through.
OnOutage = Literal["closed", "open"]
#: Seconds a caller is told to wait when the storage is unreachable.
UNAVAILABLE_RETRY_AFTER = 5
#: Seconds the startup check may wait for Redis to answer its first PING.
START_TIMEOUT = 5.0


def default_storage_uri() -> str:
    """``AUTHSTAGE_RATE_LIMIT_STORAGE``, else Redis at ``REDIS_URL``, else in memory."""
    explicit = os.environ.get("AUTHSTAGE_RATE_LIMIT_STORAGE", "").strip()
    if explicit:
        return explicit
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return "async+" + redis_url
    return "async+memory://"


def default_on_outage() -> OnOutage:
    """``AUTHSTAGE_RATE_LIMITS_ON_OUTAGE`` (``closed`` or ``open``), else ``closed``.

    Raises:
        ConfigurationError: another value.
    """
    value = os.environ.get("AUTHSTAGE_RATE_LIMITS_ON_OUTAGE", "").strip().lower() or "closed"
    if value not in ("closed", "open"):
        raise ConfigurationError(
            f"AUTHSTAGE_RATE_LIMITS_ON_OUTAGE={value!r}: use 'closed' (the default) or 'open'"
        )
    return cast("OnOutage", value)


def default_key_prefix() -> str:
    """``AUTHSTAGE_RATE_LIMIT_PREFIX``, else ``LIMITS`` (the prefix of every key in Redis)."""
    return os.environ.get("AUTHSTAGE_RATE_LIMIT_PREFIX", "").strip() or "LIMITS"


class RateLimiter:
    """Named rules over one storage.

    Args:
        storage_uri: a ``limits`` storage URI; ``default_storage_uri()`` when None.
        key_prefix: the prefix of the keys in Redis (apps sharing one server each set their
            own); ``default_key_prefix()`` when None.
        timeout: seconds one operation may take on Redis before it answers ``Unavailable``.
        on_outage: ``"closed"``: a call whose limit cannot be checked answers ``Unavailable``;
            ``"open"``: it goes through. ``default_on_outage()`` when None.

    Example:
        >>> limiter = RateLimiter()
        >>> await limiter.hit("10/minute", "login-ip", ip)      # raises RateLimited when over
    """

    def __init__(
        self,
        storage_uri: str | None = None,
        *,
        key_prefix: str | None = None,
        timeout: float = 0.5,
        on_outage: OnOutage | None = None,
    ) -> None:
        uri = storage_uri or default_storage_uri()
        self.on_outage: OnOutage = on_outage or default_on_outage()
        self.outage = Outage(
            "rate limits",
            "limited calls answer 503 until it is back"
            if self.on_outage == "closed"
            else "limited calls go through unchecked until it is back",
        )
        options: dict[str, Any] = {}
        self._pool: Any = None
        self.shared = uri.split("://", 1)[0] in ("async+redis", "async+rediss")
        try:
            if self.shared:
                # Our own pool, so that ``close()`` can release its connections, with every
                # socket operation bounded.
                from redis.asyncio import ConnectionPool

                self._pool = ConnectionPool.from_url(
                    uri.removeprefix("async+"),
                    socket_timeout=timeout,
                    socket_connect_timeout=timeout,
                )
                options = {
                    "implementation": "redispy",
                    "connection_pool": self._pool,
                    "key_prefix": key_prefix or default_key_prefix(),
                }
            self.storage = storage_from_string(uri, **options)
        except Exception as exc:
            raise ConfigurationError(f"rate limit storage {server_name(uri)!r}: {exc}") from exc
        self.uri = uri
        self.timeout = timeout
        self._strategy = MovingWindowRateLimiter(self.storage)
        self._rules: dict[str, RateLimitItem] = {}

    def rule(self, text: str) -> RateLimitItem:
        """Parse (once) a rule like ``"5/minute"`` or ``"20 per 15 minutes"``."""
        item = self._rules.get(text)
        if item is None:
            try:
                item = self._rules[text] = parse(text)
            except ValueError as exc:
                raise ConfigurationError(f"bad rate limit {text!r}: {exc}") from exc
        return item

    async def _bounded(self, operation: Awaitable[T]) -> T:
        """``operation`` within ``timeout``, or ``Unavailable`` (503) with ``Retry-After``."""
        if not self.shared:
            return await operation
        message = "Rate limits cannot be checked right now; try again shortly"
        try:
            result = await within(operation, self.timeout, message, UNAVAILABLE_RETRY_AFTER)
        except Unavailable as exc:
            self.outage.failed(exc.__cause__ or exc)
            raise
        self.outage.succeeded()
        return result

    async def _allowed(self, operation: Awaitable[bool]) -> bool:
        """``operation``'s answer (is the call within the rule?); while the storage cannot be
        reached, True when the limiter fails open, else ``Unavailable``."""
        try:
            return await self._bounded(operation)
        except Unavailable:
            if self.on_outage == "open":
                return True  # the call goes through unchecked
            raise

    async def _refuse(
        self, item: RateLimitItem, keys: tuple[str, ...], message: str | None
    ) -> NoReturn:
        stats = await self._bounded(self._strategy.get_window_stats(item, *keys))
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(message or "Too many attempts; try again later", retry_after=retry)

    async def hit(self, rule: str | RateLimitItem, *keys: str, message: str | None = None) -> None:
        """Count one event; raise ``RateLimited`` if it is over ``rule``.

        Raises:
            RateLimited: over the rule (429, ``Retry-After`` until the window frees).
            Unavailable: the storage cannot be reached within ``timeout`` (503).
        """
        item = self.rule(rule) if isinstance(rule, str) else rule
        if not await self._allowed(self._strategy.hit(item, *keys)):
            await self._refuse(item, keys, message)

    async def check(self, rule: str, *keys: str, message: str | None = None) -> None:
        """Raise ``RateLimited`` if ``rule`` is exhausted, without counting an event."""
        item = self.rule(rule)
        if not await self._allowed(self._strategy.test(item, *keys)):
            await self._refuse(item, keys, message)

    async def start(self) -> None:
        """Check the storage answers (Redis: one ``PING``); called at app startup.

        Raises:
            ConfigurationError: Redis cannot be reached, in one line (no password shown).
        """
        if not self.shared:
            return
        from redis.asyncio import Redis

        # A client of its own with the startup budget, not the calls' ``timeout``: a busy
        # machine may take longer than half a second for a first connect, and that is no
        # reason to refuse to start. A refused connection still fails at once.
        client = Redis.from_url(
            self.uri.removeprefix("async+"),
            socket_timeout=START_TIMEOUT,
            socket_connect_timeout=START_TIMEOUT,
        )
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await cast("Awaitable[Any]", client.ping())  # redis 7's stubs: a union
        except Exception as exc:
            await self.close()
            raise ConfigurationError(
                f"rate limits: cannot reach Redis at {server_name(self.uri)} ({one_line(exc)})"
            ) from None
        finally:
            await client.aclose()

    async def close(self) -> None:
        """Release the storage's connections (Redis); called at app shutdown."""
        if self._pool is not None:
            await self._pool.disconnect()

    async def reset(self) -> None:
        """Forget every counter (tests, admin tools)."""
        result = self.storage.reset()
        if isawaitable(result):
            await result
