"""The session cache: bounded, aged, never past a session's expiry, and dropped by every path
that ends or changes a session or a user (on both engines, in one process)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from authstage.auth import Session, User
from authstage.auth.invalidation import LocalChannel
from authstage.auth.principal import SessionInfo, UserInfo
from authstage.auth.sessioncache import SessionCache
from authstage.auth.sessions import SessionManager
from authstage.db import Database
from tests.unit.auth.conftest import sign_in_user

NOW = dt.datetime.now(dt.UTC)


def info(session_id: int, user_id: int = 1, expires_in: float = 3600) -> SessionInfo:
    user = UserInfo(id=user_id, email=f"u{user_id}@example.com", name="U", role="user")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in)
    return SessionInfo(
        id=session_id, user=user, created_at=NOW, expires_at=expires, last_seen_at=NOW
    )


def cache(size: int = 100, ttl: float = 60) -> SessionCache:
    built = SessionCache(size=size, ttl=dt.timedelta(seconds=ttl), absolute=dt.timedelta(days=30))
    built.reset(enabled=True)
    return built


def test_the_least_recently_used_entry_goes_first() -> None:
    sessions = cache(size=2)
    for n in (1, 2):
        sessions.put(f"h{n}", info(n), sessions.epoch)
    assert sessions.get("h1") is not None  # h2 is now the least recently used
    sessions.put("h3", info(3), sessions.epoch)
    assert len(sessions) == 2
    assert sessions.get("h2") is None
    assert sessions.get("h1") is not None and sessions.get("h3") is not None


def test_an_entry_never_outlives_its_ttl_nor_its_session() -> None:
    aged = cache(ttl=0.001)
    aged.put("h", info(1), aged.epoch)
    deadline = dt.datetime.now() + dt.timedelta(seconds=1)
    while aged.get("h") is not None:
        assert dt.datetime.now() < deadline
    expiring = cache(ttl=3600)
    expiring.put("h", info(1, expires_in=0.001), expiring.epoch)
    while expiring.get("h") is not None:
        assert dt.datetime.now() < deadline
    expiring.put("gone", info(2, expires_in=-1), expiring.epoch)
    assert expiring.get("gone") is None and len(expiring) == 0


def test_a_read_that_raced_an_invalidation_is_not_kept() -> None:
    sessions = cache()
    epoch = sessions.epoch
    sessions.apply("u:99")  # any invalidation while the row was being read
    sessions.put("h", info(1), epoch)
    assert sessions.get("h") is None


def test_nothing_is_kept_while_the_channel_is_down() -> None:
    sessions = cache()
    sessions.put("h", info(1), sessions.epoch)
    sessions.reset(enabled=False)
    assert sessions.get("h") is None
    sessions.put("h", info(1), sessions.epoch)
    assert len(sessions) == 0


def test_messages_drop_by_session_by_user_or_everything() -> None:
    sessions = cache()
    for n, user in ((1, 10), (2, 10), (3, 20)):
        sessions.put(f"h{n}", info(n, user), sessions.epoch)
    sessions.apply("s:1")
    assert sessions.get("h1") is None and sessions.get("h2") is not None
    sessions.apply("u:10")
    assert sessions.get("h2") is None and sessions.get("h3") is not None
    sessions.apply("garbage")  # not understood: everything goes (fail safe)
    assert len(sessions) == 0


def test_negative_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        SessionCache(size=-1, ttl=dt.timedelta(seconds=1), absolute=dt.timedelta(days=1))


async def cached_manager() -> SessionManager:
    sessions = cache()
    channel = LocalChannel()
    await channel.start(sessions)
    return SessionManager(cache=sessions, channel=channel)


async def test_a_cached_session_is_read_without_a_query(
    database: Database, queries: list[str]
) -> None:
    manager = await cached_manager()
    _, token = await sign_in_user()
    queries.clear()
    first = await manager.lookup(token)
    assert first is not None and len(queries) == 1
    for _ in range(5):
        assert await manager.lookup(token) == first
    assert len(queries) == 1
    assert await manager.lookup("forged") is None and len(queries) == 2  # misses are not kept


async def test_sliding_the_expiry_updates_the_cached_session(database: Database) -> None:
    manager = await cached_manager()
    _, token = await sign_in_user()
    session = await manager.lookup(token)
    assert session is not None
    expires = await manager.touch(session)
    cached = await manager.lookup(token)
    assert cached is not None and cached.expires_at == expires


REVOCATIONS: dict[str, Callable[[SessionManager, SessionInfo, str], Awaitable[object]]] = {
    "revoke": lambda m, session, token: m.revoke(token),
    "revoke_all": lambda m, session, token: m.revoke_all(session.user.id),
    "revoke_id": lambda m, session, token: m.revoke_id(session.id),
    "delete_user": lambda m, session, token: m.delete_user(session.user.id),
    "set_password": lambda m, session, token: m.set_password(session.user.id, "new-hash"),
}


@pytest.mark.parametrize("path", sorted(REVOCATIONS))
async def test_each_revocation_ends_the_cached_session(database: Database, path: str) -> None:
    manager = await cached_manager()
    _, token = await sign_in_user()
    _, theirs = await sign_in_user("bob@example.com", "Bob")
    session = await manager.lookup(token)
    assert session is not None and await manager.lookup(theirs) is not None
    await REVOCATIONS[path](manager, session, token)
    assert await manager.lookup(token) is None
    assert await manager.lookup(theirs) is not None  # someone else's session is untouched


async def test_a_role_or_profile_change_is_read_afresh(database: Database) -> None:
    manager = await cached_manager()
    user_id, token = await sign_in_user()
    assert (await manager.lookup(token)) is not None
    await manager.set_role(user_id, "admin")
    session = await manager.lookup(token)
    assert session is not None and session.user.role == "admin"
    await User.update({User.name: "Ada L."}).where(User.id == user_id)
    await manager.user_changed(user_id)
    session = await manager.lookup(token)
    assert session is not None and session.user.name == "Ada L."


async def test_change_password_keeps_the_session_it_was_made_from(database: Database) -> None:
    manager = await cached_manager()
    user_id, here = await sign_in_user()
    elsewhere = await SessionManager().create(user_id)
    assert await manager.lookup(here) and await manager.lookup(elsewhere)
    await manager.set_password(user_id, "new-hash", keep=here)
    assert await manager.lookup(here) is not None and await manager.lookup(elsewhere) is None
    assert await Session.count() == 1
