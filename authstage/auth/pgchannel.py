"""Session invalidations over PostgreSQL ``LISTEN/NOTIFY``, on the app's own database.

Each instance keeps one dedicated asyncpg connection (``application_name``
``authstage-session-listener``) that ``LISTEN``s on ``authstage_auth_invalidations``; asyncpg
calls the listener as each notification arrives, and its termination listener as soon as the server
closes the connection (a restart, ``pg_terminate_backend``, a failover). A periodic
``SELECT 1`` on it catches a connection that died silently.

Publishing is ``SELECT pg_notify(...)`` through the app's Piccolo engine, so inside a Piccolo
transaction it is delivered when that transaction commits, together with the revocation it
announces, and never if it rolls back. PostgreSQL delivers a notification to every listener
of the database, the sender's own included, in commit order.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from authstage.auth.invalidation import CHANNEL, ListeningChannel
from authstage.auth.tables import Session

__all__ = ["LISTENER_NAME", "PostgresChannel"]

#: ``application_name`` of the listening connection (visible in ``pg_stat_activity``).
LISTENER_NAME = "authstage-session-listener"


class PostgresChannel(ListeningChannel):
    """``LISTEN/NOTIFY`` on the app's database; ``connect`` is its Piccolo engine's config
    (``asyncpg.connect`` keyword arguments: a ``dsn``, or ``host``, ``user``...)."""

    name = "PostgreSQL"

    def __init__(self, connect: dict[str, Any]) -> None:
        super().__init__()
        self.connect = connect
        self._connection: asyncpg.Connection[Any] | None = None

    async def _connect(self) -> None:
        settings = {**self.connect.get("server_settings", {}), "application_name": LISTENER_NAME}
        options = {**self.connect, "timeout": self.check_interval, "server_settings": settings}
        connection: asyncpg.Connection[Any] = await asyncpg.connect(**options)
        self._connection = connection
        connection.add_termination_listener(self._terminated)
        await connection.add_listener(CHANNEL, self._notified)

    def _notified(self, connection: Any, pid: int, channel: str, payload: object) -> None:
        self.deliver(str(payload))

    def _terminated(self, connection: Any) -> None:
        self.lose()

    async def _check(self) -> None:
        assert self._connection is not None
        await self._connection.fetchval("SELECT 1")

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()  # no goodbye round trip: it may be broken

    async def publish(self, message: str) -> None:
        await Session.raw("SELECT pg_notify({}, {})", CHANNEL, message)
