"""The data cache: ``@cached`` keeps an async read's result under tags and paths, with a TTL
(Next.js ``unstable_cache`` / ``'use cache'``); ``revalidate_tag`` / ``revalidate_path`` in an
action invalidate it on every instance.

Invalidation is by version counters, not by deleting keys. Each tag (and each path, as the tag
``path:/posts``) has a counter; an entry is stored with the counters it was computed under and
is served only while they are unchanged. Invalidating a tag is one atomic ``INCR``: no list of
keys to find and delete, nothing half-done, and an entry computed from data read before the
write (a slow read racing the action) is stamped with the old counter, so it is never served
after the invalidation. Counters are read with the entry, in one round trip (cachestore.py).

A miss is computed once per process however many callers arrive together: the flight is keyed
by the entry key and the counters read, so a caller arriving after an invalidation starts a new
computation instead of joining one that began before it. Values are encoded with msgspec as the
function's return annotation, on a miss too (a cached result is the same type as a fresh one,
and a result that does not match its annotation fails on the first call); every caller decodes
its own copy, so no two callers share a mutable result.

The tags and paths of a cached function are also its declared dependencies (dependencies.py):
an ``@action`` over a ``@cached`` read is re-run by single-flight refresh (refresh.py) after a
mutation that revalidated one of them.

When the store fails (Redis down or slower than ``timeout``) a read computes the value fresh
and logs the outage once; an invalidation raises ``Unavailable`` (503, ``Retry-After``): the
action's writes stand, but its caller learns that caches could not be told.

Why ``cashews`` (cachestore.py) rather than Litestar stores: it has the memory LRU, the Redis
backend and, above all, the client-side layer invalidated through Redis client tracking with a
bypass while the channel is down; Litestar stores have none of the last. Its decorators are not
used: their key templates, tag registry (a Redis set of keys per tag, popped and deleted on
invalidation: not atomic, and a slow read can store a stale value after it) and pickling are
what version counters, msgspec and the annotation replace; single flight is ``flight.py``, shared
with ``request_cache``. The cost: a dependency of about 6,000 lines of which only the backends
are used, and two workarounds for it (RESP2, and closing what its client-side layer leaves
open; see cachestore.py).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import logging
import time
import typing
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Hashable,
    Iterable,
)
from contextlib import asynccontextmanager
from typing import Any, Generic, ParamSpec, TypeVar

import msgspec

from authstage.cachestore import CacheStore, cache_url_from_env
from authstage.dependencies import TagSource, declare, tag_function
from authstage.errors import ConfigurationError, Unavailable, server_name
from authstage.flight import single_flight

__all__ = ["Cache", "cached", "default_cache"]

logger = logging.getLogger("authstage.cache")

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class _Entry(msgspec.Struct, Generic[T], array_like=True):
    expires: float  # wall clock: instances compare it, so it cannot be a monotonic time
    versions: list[int]
    value: T


def _version_keys(tags: Iterable[str], paths: Iterable[str]) -> list[str]:
    """The store keys of the version counters of ``tags`` and ``paths``, each once: what a
    read is stamped with and what an invalidation bumps (the two must match)."""
    keys = [f"t:{tag}" for tag in tags] + [f"t:path:{path}" for path in paths]
    return list(dict.fromkeys(keys))


class Cache:
    """A tagged data cache over memory (one process) or Redis (every instance).

    Wiring, once per app (the plugin starts and stops it with the app and tells it what each
    action revalidates; ``default_cache`` is wired by itself once it is used)::

        cache = Cache()             # AUTHSTAGE_CACHE_URL / REDIS_URL, else memory
        app = Litestar(..., plugins=[AuthstagePlugin(..., caches=[cache])])

    Args:
        url: ``memory://`` or ``redis://host:port/db``; ``cache_url_from_env()`` when None
            (read when the cache starts).
        namespace: prefix of every key (several apps can share one Redis).
        local: with Redis, keep a copy in this process (invalidated through client tracking).
        timeout: seconds any store operation may take before the cache gives up on it.
        size: entries kept in memory (the memory store, or the local layer).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        namespace: str = "authstage:cache:",
        local: bool = True,
        timeout: float = 0.5,
        size: int = 10_000,
    ) -> None:
        self._options: dict[str, Any] = {
            "namespace": namespace,
            "local": local,
            "timeout": timeout,
            "size": size,
        }
        # An explicit URL is checked now; the environment's when the cache starts, so that
        # importing authstage never fails on a setting.
        self._store = None if url is None else CacheStore(url, **self._options)
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}
        self._started = False
        self._degraded = False
        #: True once a function is cached through this cache (the plugin then wires it).
        self.in_use = False

    async def start(self) -> None:
        """Connect the store (once, however many callers ask at the same time).

        Raises:
            ConfigurationError: the store is unreachable (one line).
        """
        if not self._started:
            await single_flight(self._flights, "start", self._start, keep=False)

    @property
    def store(self) -> CacheStore:
        """The backend (made from the environment on first use when no URL was given)."""
        if self._store is None:
            self._store = CacheStore(cache_url_from_env(), **self._options)
        return self._store

    async def _start(self) -> None:
        if not self._started:
            await self.store.start()
            self._started = True

    async def close(self) -> None:
        """Release the store's connections."""
        if self._started:
            self._started = False
            await self.store.close()

    @asynccontextmanager
    async def lifespan(self, app: object = None) -> AsyncIterator[None]:
        """For ``Litestar(lifespan=[cache.lifespan])``: start at startup, close at shutdown."""
        await self.start()
        try:
            yield
        finally:
            await self.close()

    async def invalidate(self, *, tags: Iterable[str] = (), paths: Iterable[str] = ()) -> None:
        """Make every entry under ``tags`` or ``paths`` stale, on every instance.

        Raises:
            Unavailable: the store could not be reached; nothing is known to be invalidated.
        """
        await self.start()
        await self.store.bump(_version_keys(tags, paths))

    async def listener(self, paths: list[str], tags: list[str]) -> None:
        """An ``on_revalidate`` listener: what an action revalidated is invalidated here."""
        await self.invalidate(tags=tags, paths=paths)

    def cached(
        self, *, tags: TagSource = (), paths: TagSource = (), ttl: float = 300
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Coroutine[Any, Any, R]]]:
        """Cache an async read under ``tags`` and ``paths`` for ``ttl`` seconds.

        The key is the function's qualified name and its arguments as bound to its signature
        (``f()``, ``f(1)`` and ``f(page=1)`` share an entry when ``page`` defaults to 1).
        ``tags`` and ``paths`` are lists, or functions of some of the arguments.

        Raises:
            ConfigurationError: at decoration, if the function is not async, has no return
                annotation msgspec can encode, or a tags function names an unknown argument.

        Example:
            >>> @cache.cached(tags=lambda user_id: [f"user:{user_id}"], paths=["/posts"], ttl=60)
            ... async def posts_of(user_id: int) -> list[PostOut]: ...
        """
        if ttl <= 0:
            raise ConfigurationError(f"@cached ttl must be positive, not {ttl}")

        def decorate(fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
            where = f"@cached {fn.__module__}.{fn.__qualname__}"
            if not inspect.iscoroutinefunction(fn):
                raise ConfigurationError(f"{where}: only async functions can be cached")
            try:
                returns = typing.get_type_hints(fn).get("return")
            except NameError as exc:  # an annotation names something not defined (yet)
                raise ConfigurationError(
                    f"{where}: cannot resolve its annotations: {exc}"
                ) from None
            if returns is None:
                raise ConfigurationError(f"{where}: needs a return annotation (the cached type)")
            try:
                decoder = msgspec.msgpack.Decoder(_Entry[returns])  # type: ignore[valid-type]
            except TypeError as exc:
                raise ConfigurationError(
                    f"{where}: msgspec cannot encode {returns}: {exc}"
                ) from None
            signature = inspect.signature(fn)
            tags_of = tag_function(tags, set(signature.parameters), where)
            paths_of = tag_function(paths, set(signature.parameters), where)
            name = f"{fn.__module__}.{fn.__qualname__}"
            self.in_use = True

            @functools.wraps(fn)
            async def read(*args: P.args, **kwargs: P.kwargs) -> R:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                arguments = bound.arguments
                digest = hashlib.blake2b(
                    msgspec.json.encode(list(arguments.values())), digest_size=16
                )
                key = f"e:{name}:{digest.hexdigest()}"
                version_keys = _version_keys(tags_of(arguments), paths_of(arguments))
                compute = functools.partial(fn, *args, **kwargs)
                entry = await self._lookup(key, version_keys, ttl, compute, decoder)
                value: R = entry.value
                return value

            declare(read, tags_of, paths_of)  # what single-flight refresh matches (refresh.py)
            return read

        return decorate

    async def _lookup(
        self,
        key: str,
        version_keys: list[str],
        ttl: float,
        compute: Callable[[], Awaitable[Any]],
        decoder: msgspec.msgpack.Decoder[_Entry[Any]],
    ) -> _Entry[Any]:
        """The entry for ``key``: the stored one while fresh, else computed once for all."""
        await self.start()
        try:
            raw, versions = await self.store.read(key, version_keys)
        except Unavailable as exc:
            return decoder.decode(await self._uncached(compute, exc))
        self._note_recovery()
        entry = self._fresh(raw, versions, decoder)
        if entry is not None:
            return entry

        async def fill() -> bytes:
            try:  # read again: a flight that ended since our read has stored the entry
                raw, stamp = await self.store.read(key, version_keys, past_local=True)
            except Unavailable as exc:
                return await self._uncached(compute, exc)
            if self._fresh(raw, stamp, decoder) is not None:
                return typing.cast(bytes, raw)
            encoded = msgspec.msgpack.encode(_Entry(time.time() + ttl, stamp, await compute()))
            try:
                await self.store.write(key, encoded, ttl)
            except Unavailable as exc:
                self._note_outage(exc)
            return encoded

        flight = (key, *versions)
        return decoder.decode(await single_flight(self._flights, flight, fill, keep=False))

    @staticmethod
    def _fresh(
        raw: object, versions: list[int], decoder: msgspec.msgpack.Decoder[_Entry[Any]]
    ) -> _Entry[Any] | None:
        """The stored entry, if it is one, of the current versions and not expired."""
        if not isinstance(raw, bytes):
            return None
        try:
            entry = decoder.decode(raw)
        except msgspec.DecodeError:  # written for an older version of the function's type
            return None
        if entry.versions != versions or entry.expires <= time.time():
            return None
        return entry

    async def _uncached(self, compute: Callable[[], Awaitable[Any]], exc: Unavailable) -> bytes:
        """The store is down: compute fresh, keep nothing."""
        self._note_outage(exc)
        return msgspec.msgpack.encode(_Entry(0.0, [], await compute()))

    def _note_outage(self, exc: Unavailable) -> None:
        if not self._degraded:
            self._degraded = True
            url, cause = server_name(self.store.url), exc.__cause__
            logger.warning("cache store %s is unavailable (%r): reads compute fresh", url, cause)

    def _note_recovery(self) -> None:
        if self._degraded:
            self._degraded = False
            logger.warning("cache store %s is back", server_name(self.store.url))


#: The process's cache, configured from the environment; ``cached`` decorates with it.
default_cache = Cache()
cached = default_cache.cached
