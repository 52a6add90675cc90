"""Server-side sessions: random tokens in a cookie, only their SHA-256 in the database.

- A session token is 32 random bytes (URL-safe text) in an HttpOnly, SameSite=Lax cookie;
  outside development it is ``Secure`` and named with the ``__Host-`` prefix (no Domain, Path=/).
- Every login makes a new token (no fixation: a cookie planted before login is worthless after).
- Expiry slides with use up to an absolute cap; the sliding write happens at most once per
  ``touch_interval``, so a busy user does not cost a write per request.
- Logout revokes the one session; "sign out everywhere" revokes all of a user's sessions;
  ``prune`` deletes expired rows.
- With a ``SessionCache`` (sessioncache.py) a lookup is served from memory while the cache's
  invalidation channel is connected. Every method here that ends or changes a session or a
  user (``revoke``, ``revoke_all``, ``revoke_id``, ``delete_user``, ``set_password``,
  ``set_role``, ``user_changed``) writes first, then drops the entries here and publishes the
  invalidation to every other instance: change these rows through them, not directly.

Litestar's server-side sessions keep an ID the client chose and never rotate it at login, which
is why sessions are built here rather than on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

import msgspec
from piccolo.query.methods.select import First

from authstage.auth.invalidation import InvalidationChannel
from authstage.auth.principal import SessionInfo, UserInfo
from authstage.auth.sessioncache import SessionCache
from authstage.auth.tables import Session, User
from authstage.compiled import compiled
from authstage.errors import one_line

__all__ = ["SessionInfo", "SessionManager", "UserInfo", "hash_token"]

logger = logging.getLogger("authstage.auth")


@compiled
def _session_by_token(token_hash: str) -> First:
    """The session of ``token_hash`` joined with its user: the one query of a lookup, on the
    path of every signed-in request. Compiled: Piccolo builds a joined select in about 1 ms of
    CPU (``ForeignKey.__getattribute__`` for each joined column), far more than the query."""
    user = Session.user
    return (
        Session.select(
            Session.id,
            Session.created_at,
            Session.expires_at,
            Session.last_seen_at,
            user.id.as_alias("user_id"),
            user.email.as_alias("email"),
            user.name.as_alias("name"),
            user.role.as_alias("role"),
            user.avatar.as_alias("avatar"),
            user.bio.as_alias("bio"),
            user.website.as_alias("website"),
        )
        .where(Session.token_hash == token_hash)
        .first()
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a session token: what the database stores."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class SessionManager:
    """Creates, finds, slides and revokes sessions."""

    def __init__(
        self,
        *,
        lifetime: dt.timedelta = dt.timedelta(days=14),
        absolute: dt.timedelta = dt.timedelta(days=30),
        touch_interval: dt.timedelta = dt.timedelta(minutes=5),
        cache: SessionCache | None = None,
        channel: InvalidationChannel | None = None,
    ) -> None:
        if lifetime > absolute:
            raise ValueError("the sliding lifetime cannot exceed the absolute cap")
        self.lifetime = lifetime
        self.absolute = absolute
        self.touch_interval = touch_interval
        #: Live sessions in memory (None: every lookup reads the database).
        self.cache = cache
        #: Where invalidations are published (the base channel: this process only).
        self.channel = channel or InvalidationChannel()

    async def create(self, user_id: int, *, ip: str = "", user_agent: str = "") -> str:
        """Start a session for ``user_id``; returns the token (to put in the cookie only)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        await Session.insert(
            Session(
                token_hash=hash_token(token),
                user=user_id,
                created_at=now,
                expires_at=now + self.lifetime,
                last_seen_at=now,
                ip=ip[:45],
                user_agent=user_agent[:500],
            )
        )
        return token

    def cached(self, token: str | None) -> SessionInfo | None:
        """The session of ``token`` if the session cache holds it (no I/O), else None."""
        if self.cache is None or not token or len(token) > 128:
            return None
        return self.cache.get(hash_token(token))

    async def lookup(self, token: str | None) -> SessionInfo | None:
        """The live session of ``token`` with its user, from the cache or in one query; None
        if there is none."""
        if not token or len(token) > 128:
            return None
        token_hash = hash_token(token)
        cache = self.cache
        if cache is None:
            return await self._read(token_hash)
        session = cache.get(token_hash)
        if session is not None:
            return session
        epoch = cache.epoch  # an invalidation during the read keeps its result out
        session = await self._read(token_hash)
        if session is not None:
            cache.put(token_hash, session, epoch)
        return session

    async def _read(self, token_hash: str) -> SessionInfo | None:
        row = await _session_by_token(token_hash=token_hash)
        if row is None:
            return None
        now = _now()
        created, expires = _aware(row["created_at"]), _aware(row["expires_at"])
        if expires <= now or created + self.absolute <= now:
            return None
        user = UserInfo(
            id=row["user_id"],
            email=row["email"],
            name=row["name"],
            role=row["role"],
            avatar=row["avatar"],
            bio=row["bio"] or "",
            website=row["website"],
        )
        return SessionInfo(
            id=row["id"],
            user=user,
            created_at=created,
            expires_at=expires,
            last_seen_at=_aware(row["last_seen_at"]),
        )

    def needs_touch(self, session: SessionInfo) -> bool:
        """True when the sliding expiry is due for its (rate-limited) write."""
        return _now() - session.last_seen_at >= self.touch_interval

    async def touch(self, session: SessionInfo) -> dt.datetime:
        """Slide the expiry (never past the absolute cap); returns the new expiry."""
        now = _now()
        expires = min(now + self.lifetime, session.created_at + self.absolute)
        await Session.update({Session.expires_at: expires, Session.last_seen_at: now}).where(
            Session.id == session.id
        )
        if self.cache is not None:
            self.cache.replace(
                msgspec.structs.replace(session, expires_at=expires, last_seen_at=now)
            )
        return expires

    async def revoke(self, token: str) -> None:
        """End the session of ``token`` (logout)."""
        token_hash = hash_token(token)
        rows = await Session.delete().where(Session.token_hash == token_hash).returning(Session.id)
        if self.cache is not None:
            self.cache.drop_token(token_hash)
        for row in rows:
            await self.invalidate(f"s:{row['id']}")

    async def revoke_all(self, user_id: int, *, keep: str | None = None) -> None:
        """End every session of ``user_id``, except the one of token ``keep``."""
        query = Session.delete().where(Session.user == user_id)
        if keep is not None:
            query = query.where(Session.token_hash != hash_token(keep))
        await query
        await self.invalidate(f"u:{user_id}")

    async def revoke_id(self, session_id: int) -> bool:
        """End the session with row ID ``session_id`` (a "sign out that device" button);
        False when there was none. Check who owns it first."""
        rows = await Session.delete().where(Session.id == session_id).returning(Session.id)
        await self.invalidate(f"s:{session_id}")
        return bool(rows)

    async def delete_user(self, user_id: int) -> None:
        """Delete the user (their sessions go with it: ON DELETE CASCADE)."""
        await User.delete().where(User.id == user_id)
        await self.invalidate(f"u:{user_id}")

    async def set_password(
        self, user_id: int, password_hash: str, *, keep: str | None = None
    ) -> None:
        """Store a new password hash and end every session of the user but token ``keep``'s."""
        await User.update({User.password_hash: password_hash}).where(User.id == user_id)
        await self.revoke_all(user_id, keep=keep)

    async def set_role(self, user_id: int, role: str) -> None:
        """Change the user's role; their cached sessions are dropped everywhere."""
        await User.update({User.role: role}).where(User.id == user_id)
        await self.invalidate(f"u:{user_id}")

    async def user_changed(self, user_id: int) -> None:
        """Call after changing a user's row yourself (name, email, avatar...): every cached
        session of theirs is dropped, on every instance, and read afresh."""
        await self.invalidate(f"u:{user_id}")

    async def invalidate(self, message: str) -> None:
        """Drop what ``message`` names (``s:<session id>``, ``u:<user id>``, ``*``) here and
        on every instance. Call it after the write it announces."""
        if self.cache is None:
            return
        self.cache.apply(message)
        try:
            await self.channel.publish(message)
        except Exception as exc:
            # The write is done; only the other instances' caches may lag (up to their TTL).
            logger.error(
                "session invalidation %r could not be published on the %s channel (%s); "
                "this instance reconnects it",
                message,
                self.channel.name,
                one_line(exc),
            )
            self.channel.lose()

    async def prune(self) -> int:
        """Delete expired sessions; returns how many."""
        now = _now()
        expired = (Session.expires_at <= now) | (Session.created_at <= now - self.absolute)
        rows = await Session.delete().where(expired).returning(Session.id)
        return len(rows)

    async def user_password_hash(self, email: str) -> tuple[int, str] | None:
        """(user id, password hash) of a normalized email, for login only."""
        row = await User.select(User.id, User.password_hash).where(User.email == email).first()
        return None if row is None else (row["id"], row["password_hash"])
