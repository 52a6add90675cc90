"""Database configuration: URL parsing, engine binding, write transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import Varchar
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.table import Table

import piccolo_conf
from actions.tables import Note
from authstage.db import (
    DEFAULT_SQLITE_FILE,
    Database,
    DatabaseConfig,
    _unusable,
    bind_engine,
    create_engine,
    current_engine,
    parse_database_url,
    write_transaction,
)
from authstage.errors import ConfigurationError


class Handle(Table, tablename="authstage_test_handle"):
    """A throwaway table with a unique column (used by test_conflict.py too)."""

    handle = Varchar(length=50, unique=True)


# --- parsing -----------------------------------------------------------------------------------


def test_unset_or_empty_url_is_the_sqlite_file_in_the_working_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    expected = DatabaseConfig("sqlite", str(tmp_path / DEFAULT_SQLITE_FILE))
    assert parse_database_url() == expected
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert parse_database_url() == expected
    assert parse_database_url("") == expected


def test_sqlite_urls_name_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_database_url("sqlite:///data/app.db") == DatabaseConfig(
        "sqlite", str(tmp_path / "data" / "app.db")
    )
    assert parse_database_url("sqlite:////srv/app.db").target == "/srv/app.db"
    monkeypatch.setenv("DATABASE_URL", "SQLite:///x.sqlite")
    assert parse_database_url().target == str(tmp_path / "x.sqlite")


@pytest.mark.parametrize(
    "url", ["postgres://u:p@db:5432/app", "postgresql://postgres@127.0.0.1/x?sslmode=disable"]
)
def test_postgres_urls_are_kept_as_the_dsn(url: str) -> None:
    assert parse_database_url(url) == DatabaseConfig("postgres", url)


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/app",
        "postgresql+asyncpg://u@h/db",
        "app.sqlite",
        "sqlite://app.sqlite",
        "sqlite:///",
        "sqlite:///:memory:",
        "postgresql://",
    ],
)
def test_unsupported_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        parse_database_url(url)


def test_a_bad_environment_url_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "redis://localhost")
    with pytest.raises(ConfigurationError, match="not supported"):
        Database()


def test_engines_are_built_without_connecting(tmp_path: Path) -> None:
    sqlite = create_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    assert isinstance(sqlite, SQLiteEngine)
    assert sqlite.path == str(tmp_path / "a.sqlite")
    assert not (tmp_path / "a.sqlite").exists()
    # Port 1 has no server: nothing connects (or warns) until the pool opens at startup.
    postgres = create_engine("postgresql://nobody@127.0.0.1:1/none")
    assert isinstance(postgres, PostgresEngine)
    # Connecting is bounded (asyncpg would wait 60 s for a server that does not answer).
    assert postgres.config == {"dsn": "postgresql://nobody@127.0.0.1:1/none", "timeout": 5.0}
    assert postgres.pool is None


def test_sqlite_migrates_on_startup_by_default_postgres_does_not() -> None:
    assert Database("sqlite:///x.sqlite").migrate_on_startup is True
    assert Database("postgresql://h/db").migrate_on_startup is False
    assert Database("postgresql://h/db", migrate_on_startup=True).migrate_on_startup is True


# --- binding -----------------------------------------------------------------------------------


def test_bind_reaches_every_table_and_piccolo_conf(tmp_path: Path) -> None:
    first = Database(f"sqlite:///{tmp_path / 'one.sqlite'}")
    second = Database(f"sqlite:///{tmp_path / 'two.sqlite'}")
    for db in (first, second):
        db.bind()
        assert current_engine() is db.engine
        assert piccolo_conf.DB is db.engine
        for table in (Note, Migration, Handle):
            assert table._meta.db is db.engine


def test_bind_without_piccolo_conf_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PICCOLO_CONF", "no_such_piccolo_conf_module")
    with pytest.raises(ConfigurationError, match="PICCOLO_CONF"):
        bind_engine(create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}"))


async def test_startup_opens_and_shutdown_closes(database: Database, database_url: str) -> None:
    db = Database(database_url)
    await db.startup()
    try:
        assert current_engine() is db.engine
        assert await Note.count() == 0
        if isinstance(db.engine, PostgresEngine):
            assert db.engine.pool is not None
        else:
            rows = await db.engine.run_ddl("PRAGMA journal_mode")
            assert rows[0]["journal_mode"] == "wal"
    finally:
        await db.shutdown()
    if isinstance(db.engine, PostgresEngine):
        assert db.engine.pool is None
    await db.shutdown()  # a second shutdown is harmless


async def test_an_unreachable_postgres_fails_startup_clearly() -> None:
    db = Database("postgresql://nobody:hunter2@127.0.0.1:1/none")
    with pytest.raises(ConfigurationError, match="cannot reach the PostgreSQL server") as info:
        await db.startup()
    assert "hunter2" not in str(info.value)


async def test_a_database_that_cannot_be_used_fails_startup_and_migrate_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL a database that does not exist; on SQLite a file that cannot be opened."""
    if database_url.startswith("postgres"):
        unusable, expected = database_url.rsplit("/", 1)[0] + "/authstage_none", "does not exist"
    else:
        unusable, expected = f"sqlite:///{tmp_path / 'no' / 'dir.sqlite'}", "unable to open"
    for run in (Database(unusable).startup, Database(unusable).migrate):
        with pytest.raises(ConfigurationError, match="cannot reach the") as info:
            await run()
        assert expected in str(info.value) and "\n" not in str(info.value)


def test_only_errors_of_reaching_the_database_are_reworded() -> None:
    assert _unusable(sqlite3.OperationalError("no such table: note"), "x") is None
    assert _unusable(sqlite3.IntegrityError("UNIQUE constraint failed: x.y"), "x") is None
    assert _unusable(ValueError("bug"), "x") is None
    refused = _unusable(ConnectionRefusedError(111, "refused"), "server")
    assert str(refused) == "cannot reach the server: ConnectionRefusedError: [Errno 111] refused"


# --- write transactions -------------------------------------------------------------------------


def test_write_transaction_is_immediate_on_sqlite(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    transaction = write_transaction(engine)
    assert isinstance(transaction, SQLiteTransaction)
    assert transaction.transaction_type is TransactionType.immediate


async def test_write_transaction_commits_and_rolls_back(database: Database) -> None:
    async with write_transaction():
        await Note.insert(Note(title="kept"), Note(title="also kept"))

    async def insert_then_fail() -> None:
        async with write_transaction():
            await Note.insert(Note(title="rolled back"))
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        await insert_then_fail()
    assert sorted(await Note.select(Note.title).output(as_list=True)) == ["also kept", "kept"]
