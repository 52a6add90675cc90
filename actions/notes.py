"""Demo actions over the ``Note`` table: create, list and read notes.

All public for now. The arguments arrive validated (lengths, ranges) before any query runs, and
each action returns ``NoteOut``: the wire type, whatever the row holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from actions.tables import Note
from authstage import action, not_found

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


@action(public=True)
async def create_note(data: NewNote) -> NoteOut:
    """Create a note and return it."""
    note = Note(title=data.title, body=data.body)
    await note.save()
    return NoteOut(id=note.id, title=note.title, body=note.body, created_at=note.created_at)


@action(public=True)
async def list_notes(limit: Annotated[int, Meta(ge=1, le=100)] = 20) -> list[NoteOut]:
    """The newest notes first, at most ``limit`` of them."""
    rows = await Note.select().order_by(Note.id, ascending=False).limit(limit)
    return [_out(row) for row in rows]


@action(public=True)
async def get_note(note_id: NoteId) -> NoteOut:
    """One note by ID; ``NOT_FOUND`` when there is none."""
    row = await Note.select().where(Note.id == note_id).first()
    if row is None:
        not_found("No note with this ID")
    return _out(row)
