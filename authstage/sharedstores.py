"""The framework's stores on Redis when the environment names one: configuration, not code.

No-JS form outcomes and idempotency replies must be shared by every instance (a form posted to
one instance has its outcome page rendered by another; a key used on one is replayed by
another). An app may register its own stores (``Litestar(stores=...)``, README "Stores"); when
it has not and ``AUTHSTAGE_STORES_URL`` (else ``REDIS_URL``) is set, the plugin registers
Litestar ``RedisStore``s for the two names, under the namespace ``AUTHSTAGE_STORES_NAMESPACE``
(default ``authstage``), so the production shape needs only the environment. The Redis client
is closed with the app.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from litestar.stores.base import Store
from litestar.stores.registry import StoreRegistry

from authstage.config import IDEMPOTENCY_STORE, OUTCOME_STORE
from authstage.errors import ConfigurationError, server_name

__all__ = ["shared_stores_url", "with_shared_stores"]


def shared_stores_url() -> str | None:
    """``AUTHSTAGE_STORES_URL``, else ``REDIS_URL``, else None (in memory)."""
    for name in ("AUTHSTAGE_STORES_URL", "REDIS_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def with_shared_stores(
    given: StoreRegistry | Mapping[str, Store] | None,
) -> tuple[StoreRegistry, Callable[[], Coroutine[Any, Any, None]] | None]:
    """The registry the app will use, with Redis stores for the framework's names when the
    environment asks for them and the app registered none; and how to close them (or None).

    Raises:
        ConfigurationError: the URL is not a Redis URL.
    """
    if isinstance(given, StoreRegistry):
        return given, None  # the app chose its stores itself
    stores = dict(given or {})
    url = shared_stores_url()
    if url is None or (OUTCOME_STORE in stores and IDEMPOTENCY_STORE in stores):
        return StoreRegistry(stores), None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"stores: {server_name(url)!r} is not a redis:// URL")
    from litestar.stores.redis import RedisStore

    namespace = os.environ.get("AUTHSTAGE_STORES_NAMESPACE", "").strip() or "authstage"
    root = RedisStore.with_client(url=url, namespace=namespace)
    for name in (OUTCOME_STORE, IDEMPOTENCY_STORE):
        stores.setdefault(name, root.with_namespace(name))

    async def close() -> None:
        await root._redis.aclose(close_connection_pool=True)

    return StoreRegistry(stores), close
