"""The session cache: live sessions kept in this process, so a signed-in call reads no database.

Entries are keyed by the token's SHA-256 (the token itself is never kept), bounded in number
(least recently used evicted first) and in age (``ttl``), and never outlive the session: an
entry's deadline is the earlier of ``ttl`` from now and the session's own expiry or absolute
cap, so an expired session is refused by the cache's clock as it would be by the database's.

Revocation is the invalidation channel's job (invalidation.py): every path that ends or changes
a session or a user drops the entries here (``apply``) and tells every other instance to do the
same. The cache only serves while its channel is connected (``enabled``); ``reset`` empties it
whenever that changes, because notifications sent while it was down may have been missed.

A read that misses takes the cache's ``epoch`` before querying and ``put``s its result with it;
any invalidation or reset in between bumps the epoch and the result is dropped, so a session
revoked while its row was being read is never cached as live.

Built here rather than on ``cachetools`` or ``functools.lru_cache``: entries must also be found
by session ID and by user (to drop them when those are revoked), which those do not index.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from authstage.auth.principal import SessionInfo

__all__ = ["SessionCache"]

logger = logging.getLogger("authstage.auth")


@dataclass(slots=True)
class _Entry:
    session: SessionInfo
    deadline: float  # time.monotonic()


class SessionCache:
    """Live sessions by token hash, bounded by ``size`` and ``ttl``; serves only when enabled."""

    def __init__(self, *, size: int, ttl: dt.timedelta, absolute: dt.timedelta) -> None:
        if size < 0 or ttl < dt.timedelta(0):
            raise ValueError("session cache size and ttl cannot be negative")
        self.size = size
        self.ttl = ttl.total_seconds()
        self.absolute = absolute
        #: False while the invalidation channel is not connected: every lookup reads the database.
        self.enabled = False
        #: Bumped by every invalidation and reset; a read started before a bump is not cached.
        self.epoch = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_session: dict[int, str] = {}
        self._by_user: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token_hash: str) -> SessionInfo | None:
        """The cached live session of ``token_hash``, or None (a miss: read the database)."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.deadline <= time.monotonic():
            self._remove(token_hash)
            return None
        self._entries.move_to_end(token_hash)
        return entry.session

    def put(self, token_hash: str, session: SessionInfo, epoch: int) -> None:
        """Keep ``session`` (read from the database when the epoch was ``epoch``)."""
        if not self.enabled or epoch != self.epoch or self.size == 0:
            return
        now = dt.datetime.now(dt.UTC)
        ends = min(session.expires_at, session.created_at + self.absolute)
        left = min(self.ttl, (ends - now).total_seconds())
        if left <= 0:
            return
        self._remove(token_hash)
        self._entries[token_hash] = _Entry(session, time.monotonic() + left)
        self._by_session[session.id] = token_hash
        self._by_user.setdefault(session.user.id, set()).add(token_hash)
        while len(self._entries) > self.size:
            self._remove(next(iter(self._entries)))

    def replace(self, session: SessionInfo) -> None:
        """Update a cached session in place (its expiry slid), keeping its deadline rule."""
        token_hash = self._by_session.get(session.id)
        if token_hash is not None:
            self.put(token_hash, session, self.epoch)

    def drop_token(self, token_hash: str) -> None:
        """Forget the session of ``token_hash``."""
        self.epoch += 1
        self._remove(token_hash)

    def apply(self, message: str) -> None:
        """Drop what an invalidation message names: ``s:<session id>``, ``u:<user id>`` or
        ``*`` (everything). Anything else empties the cache too (fail safe)."""
        self.epoch += 1
        kind, _, ident = message.partition(":")
        if kind == "s" and ident.isdigit():
            token_hash = self._by_session.get(int(ident))
            if token_hash is not None:
                self._remove(token_hash)
        elif kind == "u" and ident.isdigit():
            for token_hash in list(self._by_user.get(int(ident), ())):
                self._remove(token_hash)
        else:
            if message != "*":
                logger.debug(
                    "unknown session invalidation %r: the session cache is emptied", message
                )
            self.clear()

    def reset(self, *, enabled: bool) -> None:
        """Empty the cache and set whether it serves (the channel connected or lost)."""
        self.clear()
        self.enabled = enabled

    def clear(self) -> None:
        """Forget every entry."""
        self.epoch += 1
        self._entries.clear()
        self._by_session.clear()
        self._by_user.clear()

    def _remove(self, token_hash: str) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is None:
            return
        session = entry.session
        if self._by_session.get(session.id) == token_hash:
            del self._by_session[session.id]
        hashes = self._by_user.get(session.user.id)
        if hashes is not None:
            hashes.discard(token_hash)
            if not hashes:
                del self._by_user[session.user.id]
