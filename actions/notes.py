"""Demo actions over the ``Note`` table: create, list and read notes.

All public for now. The arguments arrive validated (lengths, ranges) before any query runs, and
each action returns ``NoteOut``: the wire type, whatever the row holds. Creating and reading one
note are the calls the benchmark makes: their queries are ``@compiled`` (built and compiled to
SQL once, then sent with new values).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.select import First

from actions.tables import Note
from authstage import action, compiled, not_found

__all__ = ["NewNote", "NoteId", "NoteOut", "create_note", "get_note", "list_notes"]

#: A note's ID: the table's ``serial`` key, so out-of-range values are refused as VALIDATION.
NoteId = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class NewNote(msgspec.Struct, forbid_unknown_fields=True):
    """What a caller sends to create a note."""

    title: Annotated[str, Meta(min_length=1, max_length=200)]
    body: Annotated[str, Meta(max_length=10_000)] = ""


class NoteOut(msgspec.Struct):
    """A note as callers see it."""

    id: int
    title: str
    body: str
    created_at: datetime


def _out(row: dict[str, object]) -> NoteOut:
    return msgspec.convert(row, NoteOut)


@compiled
def _insert_note(title: str, body: str) -> Insert[Note]:
    return Note.insert(Note(title=title, body=body)).returning(Note.id, Note.created_at)


@compiled
def _note_by_id(note_id: int) -> First:
    return Note.select().where(Note.id == note_id).first()


@action(public=True)
async def create_note(data: NewNote) -> NoteOut:
    """Create a note and return it."""
    row = (await _insert_note(title=data.title, body=data.body))[0]
    return NoteOut(id=row["id"], title=data.title, body=data.body, created_at=row["created_at"])


@action(public=True)
async def list_notes(limit: Annotated[int, Meta(ge=1, le=100)] = 20) -> list[NoteOut]:
    """The newest notes first, at most ``limit`` of them."""
    rows = await Note.select().order_by(Note.id, ascending=False).limit(limit)
    return [_out(row) for row in rows]


@action(public=True)
async def get_note(note_id: NoteId) -> NoteOut:
    """One note by ID; ``NOT_FOUND`` when there is none."""
    row = await _note_by_id(note_id=note_id)
    if row is None:
        not_found("No note with this ID")
    return _out(row)
