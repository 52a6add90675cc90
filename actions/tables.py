"""The demo app's tables (Piccolo). Their migrations live in ``migrations/demo/``.

- ``Post`` and ``Like``: the seeds' posts, with a like counter kept on the row (updated
  atomically, ``likes = likes + 1``) and one ``Like`` row per user and post (a unique pair, so
  a second like by the same user is refused by the database, not by a check that can race);
- ``Todo``: the seeds' todo list, one per user;
- ``Export``: a user's data export, produced by a background job (``actions.exports``);
- ``Announcement``: a bulk mail an admin sent, with its mail jobs (``actions.admin``).

Every row belongs to a user and goes with it (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from authstage.auth import User

__all__ = ["Announcement", "Export", "Like", "Note", "Post", "Todo"]


class Note(Table):
    """A short note: the demo table the ``actions.notes`` actions read and write."""

    id: Serial  # the implicit primary key, declared for type checkers
    title = Varchar(length=200)
    body = Text()
    created_at = Timestamptz()


class Post(Table):
    """A post by a user; ``likes`` counts its ``Like`` rows."""

    id: Serial
    author = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    content = Text()
    likes = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Like(Table):
    """One user's like of one post: at most one, by the unique index ``like_one_per_user`` on
    ``(post, user)`` that the migration creates (Piccolo's ``Unique`` constraint cannot be added
    on SQLite)."""

    id: Serial
    post = ForeignKey(Post, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Todo(Table):
    """One item of a user's todo list."""

    id: Serial
    owner = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    completed = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Export(Table):
    """A data export of one user: ``pending`` → ``running`` → ``ready`` (or ``failed``)."""

    id: Serial
    owner = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, default="pending")
    format = Varchar(length=10, default="json")
    job_id = Varchar(length=64, null=True, default=None)
    file_key = Varchar(length=500, null=True, default=None)
    error = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class Announcement(Table):
    """A bulk announcement an admin sent: one mail job per recipient, whose IDs are kept so
    the admin page can count how many were sent so far."""

    id: Serial
    sender = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    subject = Varchar(length=200)
    message = Text()
    #: ``all``, or the role the recipients had (``user``, ``admin``).
    audience = Varchar(length=10, default="all")
    #: The mail jobs' IDs as a JSON list (Text: Piccolo decodes JSON columns on SQLite only).
    job_ids = Text(default="[]")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
