"""The demo app's tables (Piccolo). Their migrations live in ``migrations/demo/``."""

from __future__ import annotations

from piccolo.columns import Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

__all__ = ["Note"]


class Note(Table):
    """A short note: the demo table the ``actions.notes`` actions read and write."""

    id: Serial  # the implicit primary key, declared for type checkers
    title = Varchar(length=200)
    body = Text()
    created_at = Timestamptz()
