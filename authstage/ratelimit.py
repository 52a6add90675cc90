"""Rate limits with the ``limits`` library, keyed by (who, what).

Litestar's ``RateLimitConfig`` keys only by client, so two routes share one counter; here every
rule has its own namespace and identifiers (an IP, an email, a user ID, an action name). Storage
is in memory for one process, or Redis (``async+redis://host:6379``) so every instance shares
the counters. A refusal is ``RateLimited`` (429) with ``Retry-After``.

The moving-window strategy is used: it is exact (no burst at window edges), which is what a login
throttle needs.
"""

from __future__ import annotations

import math
import os
import time
from inspect import isawaitable
from typing import Any, NoReturn

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from authstage.errors import ConfigurationError, RateLimited

__all__ = ["RateLimiter", "default_storage_uri"]


def default_storage_uri() -> str:
    """``AUTHSTAGE_RATE_LIMIT_STORAGE``, else Redis at ``REDIS_URL``, else in memory."""
    explicit = os.environ.get("AUTHSTAGE_RATE_LIMIT_STORAGE", "").strip()
    if explicit:
        return explicit
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return "async+" + redis_url
    return "async+memory://"


class RateLimiter:
    """Named rules over one storage.

    Example:
        >>> limiter = RateLimiter()
        >>> await limiter.hit("10/minute", "login-ip", ip)      # raises RateLimited when over
    """

    def __init__(self, storage_uri: str | None = None) -> None:
        uri = storage_uri or default_storage_uri()
        options: dict[str, Any] = {}
        self._pool: Any = None
        try:
            if uri.split("://", 1)[0] in ("async+redis", "async+rediss"):
                # Our own pool, so that ``close()`` can release its connections.
                from redis.asyncio import ConnectionPool

                self._pool = ConnectionPool.from_url(uri.removeprefix("async+"))
                options = {"implementation": "redispy", "connection_pool": self._pool}
            self.storage = storage_from_string(uri, **options)
        except Exception as exc:
            raise ConfigurationError(f"rate limit storage {uri!r}: {exc}") from exc
        self.uri = uri
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

    async def _refuse(
        self, item: RateLimitItem, keys: tuple[str, ...], message: str | None
    ) -> NoReturn:
        stats = await self._strategy.get_window_stats(item, *keys)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(message or "Too many attempts; try again later", retry_after=retry)

    async def hit(self, rule: str, *keys: str, message: str | None = None) -> None:
        """Count one event; raise ``RateLimited`` if it is over ``rule``."""
        item = self.rule(rule)
        if not await self._strategy.hit(item, *keys):
            await self._refuse(item, keys, message)

    async def check(self, rule: str, *keys: str, message: str | None = None) -> None:
        """Raise ``RateLimited`` if ``rule`` is exhausted, without counting an event."""
        item = self.rule(rule)
        if not await self._strategy.test(item, *keys):
            await self._refuse(item, keys, message)

    async def close(self) -> None:
        """Release the storage's connections (Redis); called at app shutdown."""
        if self._pool is not None:
            await self._pool.disconnect()

    async def reset(self) -> None:
        """Forget every counter (tests, admin tools)."""
        result = self.storage.reset()
        if isawaitable(result):
            await result
