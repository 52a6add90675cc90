"""Who a session is: ``SessionInfo`` with its ``UserInfo``, as lookups return and caches keep.

Kept apart from the session manager (sessions.py) so that the session cache (sessioncache.py),
which the manager consults, can name them without importing the manager. Both are frozen: a
cached session is shared by every request that reads it.
"""

from __future__ import annotations

import datetime as dt

import msgspec

__all__ = ["SessionInfo", "UserInfo"]


class UserInfo(msgspec.Struct, frozen=True):
    """The signed-in user, without anything secret (no password hash)."""

    id: int
    email: str
    name: str
    role: str
    avatar: str | None = None
    bio: str = ""
    website: str | None = None


class SessionInfo(msgspec.Struct, frozen=True):
    """A live session: its row ID, expiry and user. The token itself is never kept here."""

    id: int
    user: UserInfo
    created_at: dt.datetime
    expires_at: dt.datetime
    last_seen_at: dt.datetime

    @property
    def user_id(self) -> int:
        """The signed-in user's ID."""
        return self.user.id
