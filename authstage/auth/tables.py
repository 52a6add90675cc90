"""The auth tables: users and their sessions (Piccolo, on SQLite and PostgreSQL).

Emails are stored normalized (trimmed, lower-cased), so the unique constraint is
case-insensitive on both engines without engine-specific collations. Sessions keep only the
SHA-256 of their token: a leaked database row cannot be replayed as a cookie.
"""

from __future__ import annotations

from piccolo.columns import (
    ForeignKey,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["Session", "User"]


class User(Table, tablename="authstage_user"):
    """A person who can sign in."""

    id: Serial  # the implicit primary key, declared for type checkers
    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=100)
    password_hash = Varchar(length=255, secret=True)
    role = Varchar(length=20, default="user")
    avatar = Varchar(length=500, null=True, default=None)
    bio = Text(default="")
    website = Varchar(length=500, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Session(Table, tablename="authstage_session"):
    """One signed-in browser or client; the cookie holds the token, the row its hash."""

    id: Serial  # the implicit primary key, declared for type checkers
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_seen_at = Timestamptz(default=TimestamptzNow())
    ip = Varchar(length=45, default="")
    user_agent = Varchar(length=500, default="")
