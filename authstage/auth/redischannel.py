"""Session invalidations over Redis pub/sub, for instances that share a Redis but not PostgreSQL.

Each instance subscribes one pub/sub connection to ``authstage_auth_invalidations`` and reads it
in a task of its own; a closed connection (Redis stopped, restarted, unreachable) ends that task,
which marks the channel lost at once. A periodic ``PING`` on the publishing client, bounded by
the check interval, catches a server that accepts connections but no longer answers.

Publishing is one ``PUBLISH`` after the revocation is written. Redis delivers it to every
subscriber connected at that moment (the sender included); a subscriber that was disconnected
misses it, which is why a channel that reconnects starts with an empty cache. Pub/sub is not
namespaced by database: apps sharing one Redis drop each other's entries for the same IDs,
which costs misses, never staleness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from authstage.auth.invalidation import CHANNEL, ListeningChannel
from authstage.errors import ConfigurationError, server_name

__all__ = ["RedisChannel"]

logger = logging.getLogger("authstage.auth")


class RedisChannel(ListeningChannel):
    """Redis pub/sub on the server at ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__()
        try:
            import redis.asyncio  # noqa: F401 - only to fail at startup without the extra
        except ImportError as exc:
            raise ConfigurationError(
                "a redis:// session channel needs the redis package: pip install 'authstage[redis]'"
            ) from exc
        self.url = url
        self.name = f"Redis {server_name(url)}"
        self._client: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None

    def _new_client(self) -> Any:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        timeout = self.check_interval
        return Redis.from_url(
            self.url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            # No retries: a silent reconnect would resubscribe and hide the messages missed.
            retry=Retry(NoBackoff(), 0),
            client_name="authstage-session-channel",
        )

    async def _connect(self) -> None:
        self._client = self._new_client()
        await self._client.ping()
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(CHANNEL)
        self._reader = asyncio.create_task(self._read(self._pubsub), name="session channel reader")

    async def _read(self, pubsub: Any) -> None:
        try:
            while True:
                # Polled: a blocking read would hit the socket timeout on an idle channel.
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    data = message["data"]
                    self.deliver(data.decode() if isinstance(data, bytes) else str(data))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.debug("session channel %s: subscription ended: %s", self.name, exc)
        self.lose()

    async def _check(self) -> None:
        await self._client.ping()

    async def _disconnect(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        pubsub, self._pubsub = self._pubsub, None
        client, self._client = self._client, None
        for closing in (pubsub, client):
            if closing is not None:
                with contextlib.suppress(Exception):  # already broken, or frozen: bounded
                    async with asyncio.timeout(self.check_interval):
                        await closing.aclose()

    async def publish(self, message: str) -> None:
        client = self._client or self._new_client()
        try:
            await client.publish(CHANNEL, message)
        finally:
            if client is not self._client:
                await client.aclose()
