"""Post actions from the seeds (``createPost``, ``updatePost``, ``deletePost``, ``likePost``).

Anyone may read posts (the pages in ``posts_pages.py``); writing needs a signed-in user, and
only a post's author may edit or delete it (``ensure_owner``: 403 ``FORBIDDEN`` otherwise). The
pages bind the post's ID into each form with ``bind(fn, post.id, session=True)``, so a form's
fields replayed from another page, or by another user, cannot name another post.

Likes toggle: a user's first press likes, the next one takes the like back. The counter on the
row and the ``Like`` rows change together in one write transaction (``BEGIN IMMEDIATE`` on
SQLite: concurrent likes queue instead of failing), by atomic expressions (``likes = likes +
1``), never read-modify-write. The ``+ 1`` comes first: on PostgreSQL it locks the post's row,
so concurrent presses on one post take turns and a post deleted meanwhile is a clean
``NOT_FOUND``. Should two presses by the same user still race to insert, the unique index on
``(post, user)`` keeps one row (``ON CONFLICT DO NOTHING``) and the loser takes its ``+ 1`` back.
The press's three queries are ``@compiled``: built once, sent with new values on every press.

Double submit: creating is not deduplicated by the app (two identical posts are allowed, as in
the seeds); the browser script disables a form while it is pending, and a client that may retry
sends ``Idempotency-Key`` (the framework then runs the action once and replays its reply).

Revalidation: ``/posts`` and the tag ``posts`` for the list, ``/posts/<id>`` and ``post:<id>``
for one post's page (its like counter included).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from piccolo.query.methods.delete import Delete
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.update import Update

from actions.tables import Like, Post
from authstage import (
    NotFound,
    ValidationFailed,
    action,
    compiled,
    fold,
    redirect,
    revalidate_path,
    revalidate_tag,
)
from authstage.auth import ensure_owner, require_user
from authstage.db import write_transaction

__all__ = [
    "LikeOut",
    "PostIn",
    "create_post",
    "delete_post",
    "search_text",
    "seed_demo",
    "toggle_like",
    "update_post",
]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Content = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]


class PostIn(msgspec.Struct):
    """A post as written: the seeds' title and content, with upper bounds."""

    title: Title
    content: Content


class LikeOut(msgspec.Struct):
    """The like button after a press: whether the caller now likes the post, and its count."""

    liked: bool
    likes: int


def search_text(title: str, content: str) -> str:
    """What ``/search`` matches for a post: its title and content, folded."""
    return fold(f"{title}\n{content}")


def _checked(data: PostIn) -> tuple[str, str]:
    """Title and content with the title's outer spaces removed; a blank one is refused."""
    title = data.title.strip()
    errors = {
        name: ["Must not be blank"]
        for name, v in [("title", title), ("content", data.content.strip())]
        if not v
    }
    if errors:
        raise ValidationFailed("Some fields are blank", field_errors=errors)
    return title, data.content


def _new_post(author: int, title: str, content: str) -> Post:
    now = dt.datetime.now(dt.UTC)  # one instant: a new post has not been edited
    return Post(
        author=author,
        title=title,
        content=content,
        search_text=search_text(title, content),
        created_at=now,
        updated_at=now,
    )


def _revalidate(post_id: int | None = None) -> None:
    revalidate_path("/posts")
    revalidate_tag("posts")
    if post_id is not None:
        revalidate_path(f"/posts/{post_id}")
        revalidate_tag(f"post:{post_id}")


async def _author_of(post_id: int) -> int:
    """The author of ``post_id``; ``NOT_FOUND`` when there is no such post."""
    row = await Post.select(Post.author).where(Post.id == post_id).first()
    if row is None:
        raise NotFound("No such post")
    return int(row["author"])


@action
async def create_post(data: PostIn) -> None:
    """Publish a post and go to its page."""
    user = await require_user()
    title, content = _checked(data)
    post = _new_post(user.id, title, content)
    await Post.insert(post)
    _revalidate()
    redirect(f"/posts/{post.id}")


@action
async def update_post(post_id: int, data: PostIn) -> None:
    """Change one's own post (403 for anyone else's) and go back to it."""
    await ensure_owner(await _author_of(post_id))
    title, content = _checked(data)
    await Post.update(
        {
            Post.title: title,
            Post.content: content,
            Post.search_text: search_text(title, content),
            Post.updated_at: dt.datetime.now(dt.UTC),
        }
    ).where(Post.id == post_id)
    _revalidate(post_id)
    redirect(f"/posts/{post_id}")


@action
async def delete_post(post_id: int) -> None:
    """Delete one's own post (403 for anyone else's), its likes with it; go to the list."""
    await ensure_owner(await _author_of(post_id))
    await Post.delete().where(Post.id == post_id)
    _revalidate(post_id)
    redirect("/posts")


@compiled
def _unlike(post_id: int, user_id: int) -> Delete:
    return Like.delete().where((Like.post == post_id) & (Like.user == user_id)).returning(Like.id)


@compiled
def _like(post_id: int, user_id: int) -> Insert[Like]:
    return (
        Like.insert(Like(post=post_id, user=user_id))
        .on_conflict(action="DO NOTHING")
        .returning(Like.id)
    )


@compiled
def _count_likes(post_id: int, delta: int) -> Update[Post]:
    return (
        Post.update({Post.likes: Post.likes + delta})
        .where(Post.id == post_id)
        .returning(Post.likes)
    )


async def _add_likes(post_id: int, delta: int) -> int:
    """``likes = likes + delta`` on the post; its new count (``NOT_FOUND`` if it is gone)."""
    rows = await _count_likes(post_id=post_id, delta=delta)
    if not rows:
        raise NotFound("No such post")
    return int(rows[0]["likes"])


@action
async def toggle_like(post_id: int) -> LikeOut:
    """Like the post, or take one's like back; the new state and count."""
    user = await require_user()
    async with write_transaction():
        if await _unlike(post_id=post_id, user_id=user.id):
            likes, liked = await _add_likes(post_id, -1), False
        else:
            likes, liked = await _add_likes(post_id, +1), True
            if not await _like(post_id=post_id, user_id=user.id):
                # the same user's concurrent press inserted it first
                likes = await _add_likes(post_id, -1)
    _revalidate(post_id)
    return LikeOut(liked=liked, likes=likes)


DEMO_POSTS = [
    ("Hello from auth-stage", "Every form on this site works with JavaScript off."),
    ("Server Actions in Python", "An async def, marked @action, called from a plain form."),
    ("Likes are atomic", "The counter is updated with likes = likes + 1, one like per user."),
]


async def seed_demo(admin_id: int, user_id: int) -> None:
    """A few posts by both demo users, and likes between them."""
    authors = [admin_id, user_id, admin_id]
    posts = [_new_post(a, t, c) for a, (t, c) in zip(authors, DEMO_POSTS, strict=True)]
    await Post.insert(*posts)
    likes = [(posts[0], user_id), (posts[1], admin_id), (posts[2], user_id), (posts[2], admin_id)]
    async with write_transaction():
        for post, liker in likes:
            await Like.insert(Like(post=post.id, user=liker))
            await Post.update({Post.likes: Post.likes + 1}).where(Post.id == post.id)
