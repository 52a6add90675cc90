"""Sessions on both engines: only the hash stored, sliding expiry with a cap, revocation."""

from __future__ import annotations

import datetime as dt

from authstage.auth import Session, User
from authstage.auth.sessions import SessionManager, hash_token
from authstage.db import Database


async def make_user(email: str = "ada@example.com") -> int:
    rows = await User.insert(User(email=email, name="Ada", password_hash="x")).returning(User.id)
    return int(rows[0]["id"])


async def test_only_the_token_hash_is_stored(database: Database) -> None:
    user_id = await make_user()
    token = await SessionManager().create(user_id, ip="1.2.3.4", user_agent="ua")
    assert len(token) >= 43
    rows = await Session.select(Session.token_hash, Session.ip, Session.user_agent)
    assert rows == [{"token_hash": hash_token(token), "ip": "1.2.3.4", "user_agent": "ua"}]
    assert token not in str(rows)


async def test_lookup_joins_the_user_without_its_password(database: Database) -> None:
    user_id = await make_user()
    manager = SessionManager()
    session = await manager.lookup(await manager.create(user_id))
    assert session is not None
    assert session.user.id == user_id and session.user.email == "ada@example.com"
    assert not hasattr(session.user, "password_hash")


async def test_unknown_malformed_and_missing_tokens(database: Database) -> None:
    manager = SessionManager()
    for token in [None, "", "nope", "x" * 10_000, "' OR 1=1 --"]:
        assert await manager.lookup(token) is None


async def test_expired_and_capped_sessions_are_gone(database: Database) -> None:
    user_id = await make_user()
    manager = SessionManager(lifetime=dt.timedelta(hours=1), absolute=dt.timedelta(days=1))
    token = await manager.create(user_id)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await Session.update({Session.expires_at: past}).where(Session.token_hash == hash_token(token))
    assert await manager.lookup(token) is None
    token2 = await manager.create(user_id)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    await Session.update({Session.created_at: old}).where(Session.token_hash == hash_token(token2))
    assert await manager.lookup(token2) is None
    assert await manager.prune() == 2
    assert await Session.count() == 0


async def test_touch_slides_but_never_past_the_cap(database: Database) -> None:
    user_id = await make_user()
    manager = SessionManager(
        lifetime=dt.timedelta(hours=1),
        absolute=dt.timedelta(hours=2),
        touch_interval=dt.timedelta(0),
    )
    token = await manager.create(user_id)
    session = await manager.lookup(token)
    assert session is not None and manager.needs_touch(session)
    created = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=90)
    await Session.update({Session.created_at: created}).where(Session.id == session.id)
    session = await manager.lookup(token)
    assert session is not None
    expires = await manager.touch(session)
    assert abs((expires - (session.created_at + dt.timedelta(hours=2))).total_seconds()) < 1


async def test_revoke_one_and_all(database: Database) -> None:
    user_id = await make_user()
    other = await make_user("bob@example.com")
    manager = SessionManager()
    a, b, c = [await manager.create(user_id) for _ in range(3)]
    theirs = await manager.create(other)
    await manager.revoke(a)
    assert await manager.lookup(a) is None and await manager.lookup(b) is not None
    await manager.revoke_all(user_id, keep=c)
    assert await manager.lookup(b) is None and await manager.lookup(c) is not None
    await manager.revoke_all(user_id)
    assert await manager.lookup(c) is None
    assert await manager.lookup(theirs) is not None


async def test_deleting_a_user_deletes_their_sessions(database: Database) -> None:
    user_id = await make_user()
    token = await SessionManager().create(user_id)
    await User.delete().where(User.id == user_id)
    assert await SessionManager().lookup(token) is None
    assert await Session.count() == 0
