"""Compiled queries give what their Piccolo query gives, on both engines, with new values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from actions.tables import Note, Post
from authstage import CompileError, Param, compiled
from authstage.auth import User
from authstage.db import Database, write_transaction
from authstage.engines import Postgres
from authstage.outage import is_database_down


@compiled
def insert_note(title: str, body: str) -> Any:
    return Note.insert(Note(title=title, body=body)).returning(Note.id, Note.created_at)


@compiled
def note_by_id(note_id: int) -> Any:
    return Note.select().where(Note.id == note_id).first()


@compiled
def titles_from(first_id: int) -> Any:
    return Note.select(Note.title).where(Note.id >= first_id).order_by(Note.id).output(as_list=True)


@compiled
def retitle(note_id: int, title: str) -> Any:
    return Note.update({Note.title: title}).where(Note.id == note_id).returning(Note.title)


@compiled
def add_likes(post_id: int, delta: int) -> Any:
    return (
        Post.update({Post.likes: Post.likes + delta})
        .where(Post.id == post_id)
        .returning(Post.likes.as_alias("count"))
    )


@compiled
def delete_note(note_id: int) -> Any:
    return Note.delete().where(Note.id == note_id).returning(Note.id)


async def test_insert_returns_the_new_rows_with_their_defaults(database: Database) -> None:
    before = dt.datetime.now(dt.UTC)
    first = await insert_note(title="a", body="b")
    second = await insert_note("c", "d")
    assert [list(row) for row in first] == [["id", "created_at"]]
    assert second[0]["id"] == first[0]["id"] + 1
    created = [row["created_at"] for row in first + second]
    assert all(value.replace(tzinfo=value.tzinfo or dt.UTC) >= before for value in created)
    assert created[1] > created[0]  # the default is computed on every call, not once
    stored = await Note.select(Note.title, Note.body).order_by(Note.id)
    assert stored == [{"title": "a", "body": "b"}, {"title": "c", "body": "d"}]


async def test_select_by_key_matches_the_orm_query(database: Database) -> None:
    ids = [(await insert_note(title=t, body=""))[0]["id"] for t in ("x", "y")]
    for note_id in ids:
        assert await note_by_id(note_id) == await Note.select().where(Note.id == note_id).first()
    assert await note_by_id(note_id=ids[-1] + 100) is None
    assert await titles_from(ids[1]) == ["y"]
    assert await titles_from(first_id=ids[0]) == ["x", "y"]


@compiled
def note_object(note_id: int) -> Any:
    return Note.objects().get(Note.id == note_id)


@compiled
def count_titled(title: str) -> Any:
    return Note.count().where(Note.title == title)


async def test_objects_and_counts_come_back_as_piccolo_gives_them(database: Database) -> None:
    note_id = (await insert_note(title="obj", body="b"))[0]["id"]
    note = await note_object(note_id)
    assert isinstance(note, Note)
    assert (note.id, note.title, note._exists_in_db) == (note_id, "obj", True)
    assert await note_object(note_id + 1) is None
    assert await count_titled("obj") == 1
    assert await count_titled(title="other") == 0


async def test_update_and_delete_by_key(database: Database) -> None:
    note_id = (await insert_note(title="old", body=""))[0]["id"]
    assert await retitle(note_id=note_id, title="new") == [{"title": "new"}]
    assert await retitle(note_id=note_id + 1, title="none") == []
    assert await delete_note(note_id) == [{"id": note_id}]
    assert await Note.count() == 0


async def test_atomic_expressions_and_aliases_keep_their_meaning(database: Database) -> None:
    user = User(email="a@example.com", name="A", password_hash="-")
    await User.insert(user)
    post = Post(author=user.id, title="t", content="c")
    await Post.insert(post)
    assert await add_likes(post_id=post.id, delta=2) == [{"count": 2}]
    assert await add_likes(post_id=post.id, delta=-1) == [{"count": 1}]


async def test_runs_inside_the_current_transaction(database: Database) -> None:
    seen = None
    try:
        async with write_transaction():
            note_id = (await insert_note(title="gone", body=""))[0]["id"]
            seen = await note_by_id(note_id)  # the transaction sees its own insert
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert seen is not None
    assert await Note.count() == 0
    async with write_transaction():
        await insert_note(title="kept", body="")
    assert await Note.select(Note.title).output(as_list=True) == ["kept"]


async def test_runs_on_a_pooled_connection_or_a_new_one(database: Database) -> None:
    engine = database.engine  # SQLite opens a connection per query
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        for title in ("first", "second"):  # the one pooled connection is given back each time
            note_id = (await insert_note(title=title, body=""))[0]["id"]
            assert (await note_by_id(note_id))["title"] == title
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()


#: Run on the PostgreSQL database only (SQLite has no pool to give a connection back to).
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@on_postgres
async def test_a_write_whose_connection_cannot_be_released_is_still_reported_done(
    database: Database,
) -> None:
    # asyncpg runs the pool's `reset` when a connection is handed back; one that raises is a
    # release failing after the work committed (as when the server goes away at that moment).
    async def failing_reset(connection: Any) -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    engine = database.engine
    assert isinstance(engine, PostgresEngine)
    await engine.start_connection_pool(min_size=1, max_size=2, reset=failing_reset)
    try:
        first = await insert_note(title="kept", body="")  # no error raised
        second = await insert_note(title="kept too", body="")  # on a replaced connection
    finally:
        await engine.close_connection_pool()
    assert await Note.count() == 2
    assert second[0]["id"] == first[0]["id"] + 1


async def test_a_new_engine_gets_a_new_compilation(database: Database) -> None:
    note_id = (await insert_note(title="here", body=""))[0]["id"]
    plan = note_by_id.plan()
    assert plan.engine is database.engine
    assert ("$1" in plan.sql) is isinstance(database.engine, PostgresEngine)
    assert (await note_by_id(note_id))["title"] == "here"


async def test_an_unreachable_database_fails_as_an_outage(database: Database) -> None:
    saved = Note._meta.db
    Note._meta.db = Postgres(config={"dsn": "postgresql://postgres@127.0.0.1:1/none"})
    try:
        with pytest.raises(ConnectionRefusedError) as caught:  # nothing listens on port 1
            await note_by_id(1)
    finally:
        Note._meta.db = saved
    assert is_database_down(caught.value)


# --- bad definitions and calls -----------------------------------------------------------------


async def test_wrong_or_missing_parameters_are_refused_before_any_query(
    database: Database,
) -> None:
    with pytest.raises(TypeError, match="missing parameter"):
        await retitle(note_id=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="has no parameter 'name'"):
        await retitle(note_id=1, title="t", name="n")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="got two values"):
        await retitle(1, "t", note_id=1)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        await retitle(1, "t", "u")  # type: ignore[call-arg]


def test_variadic_or_defaulted_parameters_are_refused_at_definition() -> None:
    with pytest.raises(CompileError, match="plain named parameter"):

        @compiled
        def by_ids(*ids: int) -> Any:
            return Note.select()

    with pytest.raises(CompileError, match="has a default"):

        @compiled
        def by_id(note_id: int = 1) -> Any:
            return Note.select().where(Note.id == note_id)


async def test_a_parameter_that_is_not_a_value_is_refused(database: Database) -> None:
    @compiled
    def unused(note_id: int) -> Any:
        return Note.select()

    @compiled
    def branching(note_id: int) -> Any:
        return Note.select().where(Note.id == (note_id or 1))

    @compiled
    def not_a_query(note_id: int) -> Any:
        return Param("x")

    with pytest.raises(CompileError, match="not values of the query"):
        await unused(1)
    with pytest.raises(CompileError, match="shape cannot depend on its values"):
        await branching(1)
    with pytest.raises(CompileError, match="cannot be compiled"):
        await not_a_query(1)
