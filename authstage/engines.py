"""Piccolo's engines with four fixes a production server needs when its database misbehaves.

1. **A committed write is never reported as failed.** Piccolo hands a pooled connection back
   after the query (or the transaction's COMMIT) in the same ``async with``; when the server
   goes away at that moment, the release raises and the caller sees an error for work that
   committed, and a client that retries creates a duplicate. Here the result (or the commit)
   stands and a connection that cannot be released is dropped (asyncpg terminates it), which
   the pool replaces on its next acquire.
2. **Bounded waits.** Connecting gets ``connect_timeout`` seconds (asyncpg's default is 60) so a
   database that does not answer becomes ``503`` quickly (outage.py), never a hang.
3. **SQLite writers queue.** ``QueuedWriteTransaction`` (``db.write_transaction``) takes a
   process-wide turn before ``BEGIN IMMEDIATE``, so a burst of writers commits in order.
4. **Recovery is noticed.** The first query that succeeds after an outage logs one line
   (``outage.DATABASE``); asyncpg's own retries to refill the pool log no tracebacks.

``fetch_compiled`` runs a query compiled once (compiled.py) the way these engines run any
query, with the same transaction, release and recovery rules.

PostgreSQL needs no "pool re-created" step: asyncpg reconnects a pooled connection that was
lost on its next acquire, so the app recovers by itself as soon as the server accepts
connections again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction
from piccolo.querystring import QueryString

from authstage.outage import DATABASE, quiet_pool_reconnects

__all__ = ["Postgres", "QueuedWriteTransaction", "SQLite", "fetch_compiled"]

logger = logging.getLogger("authstage")

#: Seconds to wait for a new PostgreSQL connection.
CONNECT_TIMEOUT = 5.0


async def _release(engine: PostgresEngine, connection: Any) -> None:
    """Give ``connection`` back to the pool. One that cannot be reset is terminated by asyncpg
    itself (and replaced on a later acquire); its error is not the caller's."""
    assert engine.pool is not None  # only called for pooled connections
    try:
        await engine.pool.release(connection)
    except Exception as exc:  # the server went away after the work was done
        logger.debug("dropped a connection that could not be released: %r", exc)


class _Transaction(PostgresTransaction):
    """``PostgresTransaction`` whose COMMIT stands even if the release after it fails."""

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            if self.engine.pool:
                await _release(self.engine, self.connection)
            else:
                await self.connection.close()
            self.engine.current_transaction.reset(self.context)
        return exception is None


class Postgres(PostgresEngine):
    """``PostgresEngine`` for authstage: no connection while constructing (Piccolo checks the
    server version in ``__init__``; the server is first reached when the pool opens at
    startup), bounded connects, and releases that cannot undo committed work."""

    def __init__(self, config: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(config={"timeout": CONNECT_TIMEOUT, **config}, **kwargs)
        quiet_pool_reconnects()  # asyncpg's reconnect tracebacks stay out of an outage's log

    async def check_version(self) -> None:
        return None

    def transaction(self, allow_nested: bool = True) -> _Transaction:
        return _Transaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query: str, args: Any = None) -> Any:
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        connection = await self.pool.acquire()
        try:
            response = await connection.fetch(query, *(args or []))
        finally:
            await _release(self, connection)
        return response

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        response = await super().run_querystring(querystring, in_pool=in_pool)
        if DATABASE.down:
            DATABASE.succeeded()
        return response


class SQLite(SQLiteEngine):
    """``SQLiteEngine`` that reports recovery after "database is locked" answers (outage.py)."""

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        response = await super().run_querystring(querystring, in_pool=in_pool)
        if DATABASE.down:
            DATABASE.succeeded()
        return response


async def fetch_compiled(
    engine: Engine[Any], sql: str, args: list[Any], query_type: str, table: Any
) -> Any:
    """Run SQL compiled once (compiled.py) with ``args``: on the current transaction's
    connection, else a pooled one (released as ``_release`` does), else a new one; the rows as
    the driver returns them. What ``run_querystring`` does, without compiling anything."""
    transaction = engine.current_transaction.get()
    if isinstance(engine, PostgresEngine):
        if transaction is not None:
            response = await transaction.connection.fetch(sql, *args)
        elif engine.pool is not None:
            connection = await engine.pool.acquire()
            try:
                response = await connection.fetch(sql, *args)
            finally:
                await _release(engine, connection)
        else:
            response = await engine._run_in_new_connection(sql, args)
    elif isinstance(engine, SQLiteEngine):
        if transaction is not None:
            response = await engine._run_in_existing_connection(
                transaction.connection, sql, args, query_type, table
            )
        else:
            response = await engine._run_in_new_connection(sql, args, query_type, table)
    else:
        raise TypeError(f"compiled queries run on PostgreSQL or SQLite, not {engine!r}")
    if DATABASE.down:
        DATABASE.succeeded()
    return response


#: One queue of SQLite write transactions per event loop (asyncio locks belong to one loop).
_write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


class QueuedWriteTransaction(SQLiteTransaction):
    """``BEGIN IMMEDIATE`` once this process's earlier write transactions have ended.

    ``IMMEDIATE`` alone is not enough under a burst: every waiting connection polls the file's
    lock in SQLite's busy handler, unordered, and those still waiting after the busy timeout
    (5 s) fail with "database is locked" (a quarter of 1,000 concurrent writers did). Waiting on
    an ``asyncio.Lock`` first (FIFO) leaves at most one connection of this process at the file;
    the busy timeout then only covers other processes (a worker, the CLI). A nested
    transaction joins its parent and waits for nothing. Piccolo's own enter and exit are
    written out here so that the turn passes on at commit, not after the connection has closed.
    """

    _turn: asyncio.Lock

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self._turn = _write_turn()
        await self._turn.acquire()
        try:
            # Opened in turn too: a thousand idle aiosqlite threads slow every other one.
            self.connection = await self.get_connection()  # type: ignore[no-untyped-call]
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            self._turn.release()
            connection = getattr(self, "connection", None)
            if connection is not None:
                await connection.close()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            self._turn.release()  # the next writer may begin while this connection closes
            await self.connection.close()
            self.engine.current_transaction.reset(self.context)
        return exception is None


def _write_turn() -> asyncio.Lock:
    """This event loop's queue of SQLite write transactions."""
    loop = asyncio.get_running_loop()
    turn = _write_turns.get(loop)
    if turn is None:
        turn = _write_turns[loop] = asyncio.Lock()
    return turn
