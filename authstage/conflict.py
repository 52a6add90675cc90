"""Unique violations from the database, answered as ``CONFLICT`` with the column named.

An action that inserts a duplicate (a taken e-mail, a repeated slug) need not catch anything:
the dispatcher hands every unexpected exception to ``conflict_from`` before calling it INTERNAL.
This module recognises the violation from the exception alone (asyncpg's SQLSTATE and detail
text, SQLite's message), so it imports no database driver and no Piccolo: the request path
stays free of the migration machinery that ``db.py`` needs (about 0.24 s of import time).
The cost on the path is paid only by calls that already failed.
"""

from __future__ import annotations

import re
import sqlite3

from authstage.errors import Conflict

__all__ = ["conflict_from"]

_UNIQUE_SQLSTATE = "23505"
_PG_KEY = re.compile(r"Key \((?P<cols>[^()]*)\)=")
_SQLITE_UNIQUE = "UNIQUE constraint failed: "
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def _unique_columns(exc: BaseException) -> list[str] | None:
    """The columns of a unique violation (possibly empty), or None if ``exc`` is not one."""
    if getattr(exc, "sqlstate", None) == _UNIQUE_SQLSTATE:  # asyncpg (and psycopg)
        match = _PG_KEY.search(str(getattr(exc, "detail", "") or ""))
        names = match.group("cols").split(",") if match else []
    elif isinstance(exc, sqlite3.IntegrityError) and str(exc).startswith(_SQLITE_UNIQUE):
        names = [name.rpartition(".")[2] for name in str(exc)[len(_SQLITE_UNIQUE) :].split(",")]
    else:
        return None
    columns = [name.strip().strip('"') for name in names]
    return [c for c in columns if _IDENTIFIER.fullmatch(c)]


def conflict_from(exc: BaseException) -> Conflict | None:
    """A ``Conflict`` naming the column when ``exc`` is a unique violation, else None.

    Recognises asyncpg's ``UniqueViolationError`` (SQLSTATE 23505, columns read from its
    detail ``Key (title)=(...) already exists``) and SQLite's ``IntegrityError`` ``UNIQUE
    constraint failed: note.title``, also when raised as the cause of another exception.

    Example:
        >>> conflict_from(sqlite3.IntegrityError("UNIQUE constraint failed: note.title"))
        Conflict('This title is already taken')
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        columns = _unique_columns(current)
        if columns is not None:
            label = " and ".join(columns) if columns else "value"
            return Conflict(
                f"This {label} is already taken",
                field_errors={column: ["Already taken"] for column in columns},
            )
        current = current.__cause__ or current.__context__
    return None
