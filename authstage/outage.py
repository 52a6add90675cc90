"""A database that is down is an answer: ``503 UNAVAILABLE`` with ``Retry-After``, logged once.

When PostgreSQL stops (or restarts, or refuses connections), every query fails with one of a
handful of exceptions: the socket was refused or reset, asyncpg's connection or pool was closed,
the server said it is shutting down or starting up (SQLSTATE class 08, 57P01-57P03) or has no
connection slot left (53300). SQLite says "database is locked" once its busy timeout has passed.
None of these is the action's fault, and none is worth a traceback: the caller gets
``UNAVAILABLE`` (503) with ``Retry-After`` and may try again, exactly as for Redis (``within``
in errors.py).

Logging follows state, not requests: the first failure logs one warning line (the dependency
and the cause), every further failure while it is down only counts, and the first query that
succeeds again logs one line with how long it was down and how many calls were refused
(``DATABASE.refused`` keeps the total). An outage of 15 s under load is two lines, not a
traceback per request.

The same ``Outage`` state logs the rate limiter's Redis (ratelimit.py). asyncpg's pool logs a
traceback each time it fails to restore its minimum of connections (1 s, 2 s, 4 s ... apart);
``quiet_pool_reconnects`` keeps those out of the log while the outage is already logged, and
cuts any other to one line.

Written here rather than taken from a library: the classification is specific to the drivers
Piccolo uses (asyncpg, sqlite3), and the state is two fields.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from authstage.errors import Unavailable, one_line

__all__ = [
    "DATABASE",
    "Outage",
    "database_unavailable",
    "is_database_down",
    "quiet_pool_reconnects",
]

logger = logging.getLogger("authstage")

#: Connection exceptions, too many connections, admin/crash shutdown, cannot connect now.
_DOWN_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")
#: What a caller should wait before trying again, in seconds.
RETRY_AFTER = 2


class Outage:
    """Whether one dependency is down, since when, and how many calls it refused."""

    __slots__ = ("_since", "consequence", "down", "name", "refused")

    def __init__(
        self, name: str, consequence: str = "calls that need it answer 503 until it is back"
    ) -> None:
        self.name = name
        self.consequence = consequence
        self.down = False
        self.refused = 0  # calls answered 503 because of it, over the process's life
        self._since = 0.0

    def failed(self, exc: BaseException) -> None:
        """A call failed because the dependency is down: count it, log only the first."""
        self.refused += 1  # refused, or let through unchecked (rate limits failing open)
        if not self.down:
            self.down, self._since = True, time.monotonic()
            logger.warning("%s unavailable: %s; %s", self.name, one_line(exc), self.consequence)

    def succeeded(self) -> None:
        """A query worked: if the dependency was down, it is back (one line)."""
        if self.down:
            self.down = False
            logger.warning(
                "%s is back after %.1f s (%d calls refused in all)",
                self.name,
                time.monotonic() - self._since,
                self.refused,
            )


#: The app's database (one per process: the engine is process-wide, as Piccolo's is).
DATABASE = Outage("database")


def is_database_down(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or used right now."""
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc)
        return "locked" in message or "busy" in message
    if isinstance(exc, ConnectionError):  # refused, reset, broken pipe
        return True
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    if sqlstate.startswith(_DOWN_SQLSTATES):
        return True
    module = type(exc).__module__
    # asyncpg's InterfaceError family: "connection is closed", "pool is closing", ...
    return module.startswith("asyncpg") and any(
        cls.__name__ in ("InterfaceError", "ConnectionDoesNotExistError")
        for cls in type(exc).__mro__
    )


def database_unavailable(exc: BaseException) -> Unavailable | None:
    """The 503 answer for ``exc`` when it says the database is down (counted), else None."""
    if not is_database_down(exc):
        return None
    DATABASE.failed(exc)
    return Unavailable(
        "The database is unavailable; try again shortly",
        headers={"retry-after": str(RETRY_AFTER)},
    )


class _PoolReconnects(logging.Filter):
    """asyncpg's "Failed to restore the pool connection floor" records: dropped while the
    database is known to be down, one line (no traceback) otherwise."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith("Failed to restore the pool connection"):
            return True
        record.exc_info, record.exc_text = None, None
        return not DATABASE.down


_POOL_FILTER = _PoolReconnects()


def quiet_pool_reconnects() -> None:
    """Install the filter on asyncpg's pool logger (once; called when a pool opens)."""
    pool_logger = logging.getLogger("asyncpg.pool")
    if _POOL_FILTER not in pool_logger.filters:
        pool_logger.addFilter(_POOL_FILTER)
