"""Unique violations from either engine become CONFLICT with the column named."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from actions.tables import Note
from authstage.conflict import conflict_from
from authstage.db import Database
from authstage.errors import Conflict
from tests.unit.test_db import Handle


async def test_a_real_unique_violation_becomes_conflict(database: Database) -> None:
    await Handle.create_table(if_not_exists=True)
    try:
        await Handle.insert(Handle(handle="ada"))
        with pytest.raises(Exception) as info:  # noqa: PT011 - the driver's own exception type
            await Handle.insert(Handle(handle="ada"))
        conflict = conflict_from(info.value)
        assert isinstance(conflict, Conflict)
        assert conflict.status == 409
        assert conflict.field_errors == {"handle": ["Already taken"]}
        assert conflict.body().code == "CONFLICT"
        assert "handle" in conflict.message
    finally:
        await Handle.alter().drop_table(if_exists=True)


async def test_a_primary_key_violation_names_the_key(database: Database) -> None:
    note = Note(title="a")
    await note.save()
    with pytest.raises(Exception) as info:  # noqa: PT011
        await Note.insert(Note(id=note.id, title="b"))
    conflict = conflict_from(info.value)
    assert conflict is not None
    assert conflict.field_errors == {"id": ["Already taken"]}


class FakeUniqueViolation(Exception):
    """Shaped like asyncpg's ``UniqueViolationError``."""

    sqlstate = "23505"

    def __init__(self, detail: str | None) -> None:
        super().__init__('duplicate key value violates unique constraint "x"')
        self.detail = detail


def test_composite_and_unparsable_unique_violations() -> None:
    both = conflict_from(sqlite3.IntegrityError("UNIQUE constraint failed: t.a, t.b"))
    assert both is not None
    assert both.field_errors == {"a": ["Already taken"], "b": ["Already taken"]}
    pg = conflict_from(FakeUniqueViolation("Key (owner_id, slug)=(1, x) already exists."))
    assert pg is not None
    assert pg.field_errors == {"owner_id": ["Already taken"], "slug": ["Already taken"]}
    for exc in (
        FakeUniqueViolation("Key (lower(email::text))=(a@b.c) already exists."),
        FakeUniqueViolation(None),
        sqlite3.IntegrityError("UNIQUE constraint failed: index 'by_lower_email'"),
    ):
        conflict = conflict_from(exc)
        assert conflict is not None
        assert conflict.field_errors == {}
        assert conflict.status == 409


def test_a_violation_raised_as_a_cause_is_found() -> None:
    try:
        try:
            raise sqlite3.IntegrityError("UNIQUE constraint failed: users.email")
        except sqlite3.IntegrityError as inner:
            raise RuntimeError("saving the user failed") from inner
    except RuntimeError as outer:
        conflict = conflict_from(outer)
    assert conflict is not None
    assert conflict.field_errors == {"email": ["Already taken"]}


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("UNIQUE constraint failed: t.a"),
        sqlite3.IntegrityError("NOT NULL constraint failed: note.title"),
        sqlite3.IntegrityError("FOREIGN KEY constraint failed"),
        sqlite3.OperationalError("database is locked"),
        KeyError("id"),
    ],
)
def test_other_exceptions_are_not_conflicts(exc: BaseException) -> None:
    assert conflict_from(exc) is None


def test_other_postgres_errors_are_not_conflicts() -> None:
    error = FakeUniqueViolation("Key (a)=(1) is not present in table")
    error.sqlstate = "23503"  # foreign_key_violation
    assert conflict_from(error) is None


def test_import_authstage_does_not_import_piccolo_migrations() -> None:
    code = (
        "import sys, authstage\n"
        "print(any(m.startswith('piccolo.apps.migrations') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
