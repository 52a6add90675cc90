"""Where the data cache keeps its entries and tag versions: memory, or Redis shared by instances.

The cache (cache.py) needs three operations: read an entry with the current versions of its
tags, write an entry with a TTL, and bump tag versions. This module maps them onto a
``cashews`` backend chosen by URL:

- ``memory://`` (the default): ``cashews`` ``Memory``, an LRU with TTLs, in this process. Tag
  versions live in a second, unbounded ``Memory`` so that evicting entries never evicts a
  version (an evicted version would read as 0 again and revive entries stamped 0).
- ``redis://`` / ``rediss://``: ``cashews`` ``Redis``. An entry and its tag versions are read
  with one ``MGET``; a bump is one ``INCR`` per tag, atomic on the server, so every instance
  sees it at once. With ``local`` (the default) ``cashews`` ``BcastClientSide`` keeps a copy
  in this process and drops it when Redis's client tracking (``CLIENT TRACKING ... BCAST``,
  Redis >= 6) announces a change under our namespace on a pub/sub connection; while that
  connection is down the local copies are cleared and bypassed until it is back.

Every operation is bounded by ``timeout`` (no retries, no backoff: a cache that is slow is
worth less than recomputing). A failure raises ``Unavailable``; the cache decides what it means
(a read computes fresh, an invalidation answers 503). Values are bytes already encoded by the
cache with msgspec; ``cashews`` is given its null serializer, so nothing is pickled and nothing
read from Redis is ever unpickled.

Costs: the local layer receives an invalidation message for every write under the namespace
(entries too, not only tags), so its traffic grows with the write rate times the instances;
a copy fetched in the instant a change is announced can outlive it until the entry's TTL (the
usual client-side caching race: pass ``local=False`` where that matters). ``cashews`` is
imported when a store is first built, not with ``authstage`` (it costs about 0.1 s to import).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from authstage.errors import ConfigurationError, one_line, server_name, within

if TYPE_CHECKING:
    from cashews.backends.interface import Backend

__all__ = ["CacheStore", "cache_url_from_env"]

logger = logging.getLogger("authstage.cache")

#: Tries of the startup check against a server slower than ``timeout`` to answer.
START_ATTEMPTS = 5


def cache_url_from_env() -> str:
    """``AUTHSTAGE_CACHE_URL``, else ``REDIS_URL``, else ``memory://``."""
    for name in ("AUTHSTAGE_CACHE_URL", "REDIS_URL"):
        url = os.environ.get(name, "").strip()
        if url:
            return url
    return "memory://"


def _client_side_class() -> type[Backend]:
    from cashews.backends.redis import Redis
    from cashews.backends.redis.client_side import BcastClientSide

    class ClientSide(BcastClientSide):
        """``BcastClientSide`` that closes its invalidation channel (cashews leaves it open)."""

        _channel: Any = None

        async def _get_channel(self) -> Any:
            await self._close_channel()  # a reconnect replaces a broken one
            self._channel = await super()._get_channel()  # type: ignore[no-untyped-call]
            return self._channel

        async def _close_channel(self) -> None:
            channel, self._channel = self._channel, None
            if channel is not None:
                try:
                    await channel.aclose()
                except Exception:  # already broken
                    logger.debug("cache invalidation channel close failed", exc_info=True)

        async def close(self) -> None:
            task, self._listen_task = self._listen_task, None
            if task is not None:  # cashews awaits it, re-raising a failed init's cancellation
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await super().close()  # type: ignore[no-untyped-call]
            await self._close_channel()

        async def get_many_from_server(self, *keys: str) -> Any:
            """``get_many`` past the local copies (which may hold a miss raced by a write)."""
            return await Redis.get_many(self, *(self._add_prefix(key) for key in keys))

    return ClientSide


def _timed_out(exc: BaseException) -> bool:
    """A timeout (asyncio's, or redis-py's own class), not a refusal or a bad address."""
    return isinstance(exc, TimeoutError) or type(exc).__name__ == "TimeoutError"


def _open_redis(url: str, namespace: str, local: bool, timeout: float, size: int) -> Backend:
    try:
        from cashews.backends.memory import Memory
        from cashews.backends.redis import Redis
        from cashews.serialize import NULL_SERIALIZER
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
    except ImportError as exc:  # pragma: no cover - the extra is part of dev
        raise ConfigurationError(
            "a redis:// cache needs the redis package: pip install 'authstage[redis]'"
        ) from exc
    options: dict[str, Any] = {
        "address": url,
        "suppress": False,  # errors reach us: a read falls back, an invalidation answers 503
        "serializer": NULL_SERIALIZER,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "wait_for_connection_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        "max_connections": 64,
        "client_name": f"authstage-cache:{namespace}".replace(" ", "_"),
        # RESP2: cashews reads invalidations as pub/sub messages (under RESP3, redis-py 8's
        # default, they arrive as push frames it never sees).
        "protocol": 2,
    }
    if not local:
        return Redis(**options)
    return _client_side_class()(
        local_cache=Memory(size=size),
        client_side_prefix=namespace,
        client_side_listen_timeout=timeout,
        **options,
    )


class CacheStore:
    """The backend of one ``Cache``: entries and tag versions under ``namespace``."""

    def __init__(self, url: str, *, namespace: str, local: bool, timeout: float, size: int) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in {"memory", "mem", "redis", "rediss"}:
            raise ConfigurationError(
                f"cache URL {server_name(url)!r}: use memory:// or redis://host:port/db"
            )
        self.url, self.timeout = url, timeout
        self.shared = scheme in {"redis", "rediss"}
        self.local = local and self.shared
        # BcastClientSide adds the namespace itself (it is also its tracking prefix).
        self._prefix = "" if self.local else namespace
        self._namespace, self._size = namespace, size
        self._build()

    def _build(self) -> None:
        # Built again at each start: backends hold asyncio objects of the loop they start on.
        from cashews.backends.memory import Memory

        if self.shared:
            self._entries = _open_redis(
                self.url, self._namespace, self.local, self.timeout, self._size
            )
            self._versions = self._entries
        else:
            self._entries = Memory(size=self._size)
            self._versions = Memory(size=sys.maxsize, check_interval=0)

    async def start(self) -> None:
        """Connect (Redis) and check the server answers.

        Raises:
            ConfigurationError: the server cannot be reached, in one line.
        """
        # A slow first answer (a busy machine) is tried again, up to START_ATTEMPTS times; a
        # refused connection fails at once.
        for attempt in range(1, START_ATTEMPTS + 1):
            if self.shared:  # memory keeps its entries across a restart in one process
                self._build()
            try:
                # Bounded by the socket timeouts (no asyncio.timeout: cashews' own wait_for
                # inside one turns the expiry into a stray cancellation on Python 3.11).
                await self._entries.init()  # type: ignore[no-untyped-call]
                if self._versions is not self._entries:
                    await self._versions.init()  # type: ignore[no-untyped-call]
                await self._entries.ping()
                return
            except Exception as exc:
                await self.close()
                if attempt < START_ATTEMPTS and _timed_out(exc):
                    continue
                raise ConfigurationError(
                    f"cache: cannot reach {server_name(self.url)} ({one_line(exc)})"
                ) from None

    async def close(self) -> None:
        """Release connections and background tasks."""
        for backend in {id(b): b for b in (self._entries, self._versions)}.values():
            try:
                with warnings.catch_warnings():  # cashews 7.6 calls redis-py's deprecated close()
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await backend.close()  # type: ignore[no-untyped-call]
            except Exception:  # closing a half-opened client
                logger.debug("cache backend close failed", exc_info=True)

    async def _bounded(self, operation: Any) -> Any:
        message = f"The cache at {server_name(self.url)} is unavailable"
        return await within(operation, self.timeout, message, retry_after=5)

    async def read(
        self, key: str, version_keys: list[str], *, past_local: bool = False
    ) -> tuple[Any, list[int]]:
        """The entry under ``key`` (or None) and the current version of each tag key;
        ``past_local`` reads the server itself, not the local copies."""
        keys = [self._prefix + k for k in (key, *version_keys)]
        if self._versions is not self._entries:
            entry = await self._entries.get(keys[0])
            versions = list(await self._versions.get_many(*keys[1:])) if version_keys else []
        elif past_local and self.local:
            entry, *versions = await self._bounded(
                cast(Any, self._entries).get_many_from_server(*keys)
            )
        else:
            entry, *versions = await self._bounded(self._entries.get_many(*keys))
        return entry, [int(v or 0) for v in versions]

    async def write(self, key: str, value: bytes, ttl: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds."""
        await self._bounded(self._entries.set(self._prefix + key, value, expire=ttl))

    async def bump(self, version_keys: list[str]) -> None:
        """Increment each tag version: entries stamped with an older one are stale."""
        for key in version_keys:
            await self._bounded(self._versions.incr(self._prefix + key))
