"""Likes under concurrency, on both engines: the counter and the ``Like`` rows always agree.

1,000 users pressing "Like" on one post at once make exactly 1,000 likes: the counter is
updated by ``likes = likes + 1`` inside a write transaction (``BEGIN IMMEDIATE`` on SQLite, so
the writers queue instead of failing with "database is locked"), never read and written back.
One user pressing many times at once never gets a 500: the unique index on ``(post, user)``
keeps at most one row, and the counter matches it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

import httpx
import msgspec

from actions import posts
from actions.tables import Like, Post
from authstage.auth import Session, User
from authstage.auth.sessions import hash_token
from authstage.testing import ActionClient
from tests.actions.conftest import db, session_of, set_session, signup

USERS = 1_000


async def _post_by_someone(actions: ActionClient) -> int:
    await signup(actions)
    response = await actions.call(posts.create_post, data={"title": "Popular", "content": "!"})
    return int(response.json()["redirect"].rsplit("/", 1)[1])


async def _signed_in_users(count: int) -> list[str]:
    """``count`` users, each with a live session; their session tokens."""
    now = dt.datetime.now(dt.UTC)
    await db(
        User.insert(
            *[
                User(email=f"liker{n}@example.com", name=f"Liker {n}", password_hash="-")
                for n in range(count)
            ]
        )
    )
    ids = [r["id"] for r in await db(User.select(User.id).where(User.email.like("liker%")))]
    tokens = [secrets.token_urlsafe(32) for _ in ids]
    await db(
        Session.insert(
            *[
                Session(
                    token_hash=hash_token(token),
                    user=user_id,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=1),
                    last_seen_at=now,
                )
                for user_id, token in zip(ids, tokens, strict=True)
            ]
        )
    )
    return tokens


async def _like(actions: ActionClient, post_id: int, token: str) -> httpx.Response:
    return await actions.client.post(
        "/_action",
        content=msgspec.json.encode({"post_id": post_id}),
        headers={
            "authstage-action": actions.id_of(posts.toggle_like),
            "content-type": "application/json",
            "cookie": f"authstage_session={token}",
        },
    )


async def _counts(post_id: int) -> tuple[int, int]:
    """(the post's counter, its ``Like`` rows)."""
    row = await db(Post.select(Post.likes).where(Post.id == post_id).first())
    return row["likes"], await db(Like.count().where(Like.post == post_id))


async def test_a_thousand_users_liking_at_once_make_a_thousand_likes(
    actions: ActionClient,
) -> None:
    post_id = await _post_by_someone(actions)
    tokens = await _signed_in_users(USERS)
    set_session(actions, None)
    replies = await asyncio.gather(*(_like(actions, post_id, token) for token in tokens))
    statuses = {r.status_code for r in replies}
    assert statuses == {200}, [r.text for r in replies if r.status_code != 200][:3]
    assert all(r.json()["data"]["liked"] for r in replies)
    assert sorted(r.json()["data"]["likes"] for r in replies) == list(range(1, USERS + 1))
    assert await _counts(post_id) == (USERS, USERS)


async def test_one_user_pressing_many_times_at_once_never_fails(actions: ActionClient) -> None:
    post_id = await _post_by_someone(actions)
    token = session_of(actions)
    set_session(actions, None)
    replies = await asyncio.gather(*(_like(actions, post_id, token) for _ in range(20)))
    assert {r.status_code for r in replies} == {200}, [r.text for r in replies][:3]
    likes, rows = await _counts(post_id)
    assert likes == rows and rows in {0, 1}
