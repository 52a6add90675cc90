"""Session invalidation channels: how every instance hears that a session or a user changed.

Three channels, chosen at startup by ``AuthConfig.session_cache_channel`` (config.py):

- ``postgres``: ``LISTEN/NOTIFY`` on the app's PostgreSQL database (pgchannel.py), the default
  when the database is PostgreSQL: the notification travels with the data it is about.
- ``redis://...``: Redis pub/sub (redischannel.py), the default with ``REDIS_URL`` otherwise.
- ``local``: this process only, the default for SQLite without Redis: with one instance there
  is nobody else to tell. Several processes on one SQLite file need Redis (or no cache).

A message is ``s:<session id>``, ``u:<user id>`` or ``*``. The instance that revokes applies it
to its own cache first, then publishes; each listener applies what it receives (its own
messages included, which only costs a miss).

``ListeningChannel`` is the part the networked channels share: it connects, enables the cache
(empty), watches the connection with a periodic check, and on any failure disables the cache
(every call then reads the database) and reconnects with a growing delay. Each change of state
is one log line (connected, lost, back); failed reconnects while down are debug only. Its waits
are ``asyncio.timeout`` (waits.py), never ``asyncio.wait_for``: on Python 3.11 a ``wait_for``
ending as the channel closes could swallow the cancellation, and shutdown waited forever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from authstage.errors import one_line
from authstage.waits import event_within, stop_task

if TYPE_CHECKING:
    from authstage.auth.sessioncache import SessionCache

__all__ = ["CHANNEL", "InvalidationChannel", "ListeningChannel", "LocalChannel"]

logger = logging.getLogger("authstage.auth")

#: The PostgreSQL ``NOTIFY`` channel and Redis pub/sub channel invalidations travel on.
CHANNEL = "authstage_auth_invalidations"


class InvalidationChannel:
    """Tells every instance's session cache what to drop. This base is one process only."""

    name = "in-process"

    def __init__(self) -> None:
        self.cache: SessionCache | None = None

    async def start(self, cache: SessionCache) -> None:
        """Serve ``cache``: enable it once the channel is connected, disable it when lost."""
        self.cache = cache

    async def close(self) -> None:
        """Stop listening; the cache no longer serves."""
        if self.cache is not None:
            self.cache.reset(enabled=False)

    async def publish(self, message: str) -> None:
        """Send ``message`` to the other instances (already applied here)."""

    def lose(self) -> None:
        """Mark the channel lost (its connection closed, or a publish failed): the cache is
        bypassed until it reconnects. Nothing to lose in one process."""

    def deliver(self, message: str) -> None:
        """Apply a message received from another instance (or echoed back)."""
        if self.cache is not None:
            self.cache.apply(message)


class LocalChannel(InvalidationChannel):
    """One process: revocations apply to its own cache, which is always connected."""

    async def start(self, cache: SessionCache) -> None:
        await super().start(cache)
        cache.reset(enabled=True)
        logger.info("session cache: in-process channel (one process; several need Redis)")


class ListeningChannel(InvalidationChannel):
    """A channel over a network connection, supervised: lost means the cache is bypassed."""

    #: Seconds between liveness checks of the listening connection, and each check's timeout.
    check_interval = 2.0
    #: First reconnect delay (seconds), doubled after each failure up to ``max_retry_delay``.
    retry_delay = 0.1
    max_retry_delay = 5.0

    def __init__(self) -> None:
        super().__init__()
        self.connected = False
        #: How many times the channel connected (tests wait on it to see a reconnect).
        self.connections = 0
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, cache: SessionCache) -> None:
        await super().start(cache)
        cache.reset(enabled=False)
        self._task = asyncio.create_task(self._supervise(), name=f"session channel {self.name}")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await stop_task(task)
        await super().close()
        await self._disconnect()

    def lose(self) -> None:
        if self.cache is not None:
            self.cache.reset(enabled=False)  # at once, not when the supervisor next wakes
        self._lost.set()

    async def _connect(self) -> None:
        """Open the listening connection and subscribe; raise when that is impossible."""
        raise NotImplementedError

    async def _check(self) -> None:
        """Prove the listening connection alive (raise, or time out, when it is not)."""
        raise NotImplementedError

    async def _disconnect(self) -> None:
        """Close whatever ``_connect`` opened (it may be broken already)."""
        raise NotImplementedError

    async def _supervise(self) -> None:
        ever, down_logged, failures = False, False, 0
        while True:
            self._lost.clear()
            try:
                async with asyncio.timeout(self.check_interval * 2):
                    await self._connect()
            except Exception as exc:
                await self._disconnect()
                if not down_logged:
                    logger.warning(
                        "session cache: cannot reach its %s channel (%s); every signed-in call "
                        "reads the database until it can",
                        self.name,
                        one_line(exc),
                    )
                    down_logged = True
                else:
                    logger.debug("session channel %s: reconnect failed: %s", self.name, exc)
                await asyncio.sleep(self._delay(failures))
                failures += 1
                continue
            assert self.cache is not None
            self.cache.reset(enabled=True)  # empty: what was missed while down is forgotten
            self.connected, self.connections = True, self.connections + 1
            down_logged, failures = False, 0
            logger.info("session cache: %s channel %s", self.name, "back" if ever else "connected")
            ever = True
            cause = await self._watch()
            self.connected = False
            self.cache.reset(enabled=False)
            logger.warning(
                "session cache: %s channel lost (%s); every signed-in call reads the database",
                self.name,
                cause,
            )
            down_logged = True
            await self._disconnect()
            await asyncio.sleep(self._delay(failures))
            failures += 1

    def _delay(self, failures: int) -> float:
        # The exponent is capped: 2**failures of a long outage would overflow a float.
        return float(min(self.retry_delay * 2 ** min(failures, 32), self.max_retry_delay))

    async def _watch(self) -> str:
        """Wait until the connection is lost; returns why."""
        while True:
            if await event_within(self._lost, self.check_interval):
                return "connection closed"
            try:
                async with asyncio.timeout(self.check_interval):
                    await self._check()
            except Exception as exc:
                return one_line(exc) if not isinstance(exc, TimeoutError) else "check timed out"
