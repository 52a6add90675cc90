"""Audited actions that write rows, for the audit log's tests (test_audit.py)."""

from __future__ import annotations

import datetime as dt

import msgspec

from actions.tables import Note
from authstage import ActionError, Audit, RequestContext, action, redirect
from authstage.auth.sessions import SessionInfo, UserInfo

_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def authenticate(ctx: RequestContext) -> SessionInfo | None:
    """The caller named by the ``x-user`` header, ``<id>:<role>`` (signed out without one)."""
    raw = ctx.headers.get("x-user")
    if not raw:
        return None
    user_id, _, role = raw.partition(":")
    user = UserInfo(id=int(user_id), email=f"u{user_id}@example.com", name="U", role=role)
    return SessionInfo(id=1, user=user, created_at=_EPOCH, expires_at=_EPOCH, last_seen_at=_EPOCH)


class NoteIn(msgspec.Struct):
    title: str
    body: str


@action(audit=Audit(args=["note.title", "tag"]))
async def add_notes(note: NoteIn, tag: str, count: int = 2, fail: str = "") -> int:
    """Write ``count`` notes, then fail as asked (``conflict``, ``crash``) or succeed."""
    for n in range(count):
        await Note.insert(Note(title=f"{note.title} {n}", body=note.body))
    if fail == "conflict":
        raise ActionError("CONFLICT", "That title is taken")
    if fail == "crash":
        raise RuntimeError("the action broke halfway")
    return count


@action(public=True, audit=True)
async def note_and_go_home(title: str) -> None:
    """Write a note and redirect: a success."""
    await Note.insert(Note(title=title, body=""))
    redirect("/")
