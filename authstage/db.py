"""Database configuration: one URL chooses the engine; the app's lifespan opens and closes it.

=====================================  ==========================================================
``DATABASE_URL`` unset or empty        SQLite file ``authstage.sqlite`` in the working directory
``sqlite:///relative/file.sqlite``     SQLite file (``sqlite:////abs/file.sqlite`` for absolute)
``postgres://`` or ``postgresql://``   PostgreSQL through asyncpg; a pool is opened at startup
=====================================  ==========================================================

Anything else is a ``ConfigurationError`` at startup, as is a database that cannot be reached
(one line, never the DSN: it may hold a password). Piccolo looks for its engine in two places:
each table's ``_meta.db``, and the ``DB`` of the ``piccolo_conf`` module (used by migrations
and by tables imported later). ``bind_engine`` sets both, so one process can serve on SQLite
and then on PostgreSQL (the test suite does). The binding is process-wide: one database is live
at a time.

Which Piccolo apps are bound and migrated is ``authstage.piccolo_apps``' concern.

SQLite has no pool: Piccolo opens a connection per query. The file is switched to WAL at startup
so readers do not block the writer, and writes that span several statements should use
``write_transaction()`` (``BEGIN IMMEDIATE``). Unique violations from either engine become
``CONFLICT`` with the column named, through ``conflict_from`` (conflict.py, kept apart so the
request path does not import Piccolo's migration machinery).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import BaseTransaction, Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from authstage.engines import Postgres, SQLite
from authstage.errors import ConfigurationError
from authstage.piccolo_apps import framework_apps, piccolo_conf, piccolo_conf_named

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = [
    "DEFAULT_SQLITE_FILE",
    "Database",
    "DatabaseConfig",
    "bind_engine",
    "create_engine",
    "current_engine",
    "parse_database_url",
    "write_transaction",
]

logger = logging.getLogger("authstage.db")

DEFAULT_SQLITE_FILE = "authstage.sqlite"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """A parsed database URL."""

    kind: Literal["sqlite", "postgres"]
    #: The SQLite file (absolute) or the PostgreSQL DSN.
    target: str


def parse_database_url(url: str | None = None) -> DatabaseConfig:
    """Parse ``url`` (``DATABASE_URL`` when None; unset or empty means the SQLite default).

    Raises:
        ConfigurationError: the URL names no supported database.
    """
    if url is None:
        url = os.environ.get("DATABASE_URL", "")
    url = url.strip()
    if not url:
        return DatabaseConfig("sqlite", os.path.abspath(DEFAULT_SQLITE_FILE))
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite":
        if not rest.startswith("/") or rest in {"/", "/:memory:"}:
            raise ConfigurationError(
                f"DATABASE_URL {url!r}: write sqlite:///relative/file.sqlite or "
                "sqlite:////absolute/file.sqlite (a file is needed: every query opens a new "
                "connection, so an in-memory database would be empty each time)"
            )
        return DatabaseConfig("sqlite", os.path.abspath(rest[1:].split("?", 1)[0]))
    if sep and scheme in {"postgres", "postgresql"}:
        if rest in {"", "/"}:
            raise ConfigurationError(f"DATABASE_URL {url!r} names no PostgreSQL server")
        return DatabaseConfig("postgres", url)
    shown = f"{scheme}://..." if sep else "without a scheme"  # never echo credentials
    raise ConfigurationError(
        f"DATABASE_URL {shown} is not supported: use sqlite:///file.sqlite, "
        "postgresql://user:password@host:5432/dbname, or leave it unset for the SQLite default"
    )


def create_engine(config: DatabaseConfig | str | None = None) -> Engine[Any]:
    """A Piccolo engine for ``config`` (a ``DatabaseConfig``, a URL, or ``DATABASE_URL``).

    Nothing connects here: the PostgreSQL pool is opened by ``Database.startup``.
    """
    if not isinstance(config, DatabaseConfig):
        config = parse_database_url(config)
    if config.kind == "sqlite":
        return SQLite(path=config.target)
    return Postgres(config={"dsn": config.target})


class _Binding:
    engine: Engine[Any] | None = None


def _all_tables() -> set[type[Table]]:
    found: set[type[Table]] = set()
    pending: list[type[Table]] = [Table]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def bind_engine(engine: Engine[Any], apps: Sequence[str] | None = None) -> str:
    """Make ``engine`` the database of every table and of Piccolo's migrations, in-process.

    Sets ``DB`` of the Piccolo configuration (the project's, else ``authstage.piccolo_conf``
    with ``apps``, default every framework app), imports the apps of its ``APP_REGISTRY`` and
    sets ``_meta.db`` on every ``Table`` subclass, Piccolo's ``Migration`` table included.
    Returns the configuration's module name (what ``PICCOLO_CONF`` must say to migrate).

    Raises:
        ConfigurationError: ``PICCOLO_CONF`` or the project's ``piccolo_conf`` cannot import.
    """
    conf = piccolo_conf(framework_apps() if apps is None else apps)
    conf.DB = engine
    for table in _all_tables() | {Migration}:
        table._meta.db = engine
    _Binding.engine = engine
    return conf.__name__


#: SQLSTATE classes that mean "this server cannot be used": connection, authorization, no such
#: database, too many connections, shutting down.
_UNUSABLE_SQLSTATES = ("08", "28", "3D", "53", "57")


def _unusable(exc: BaseException, what: str) -> ConfigurationError | None:
    """A one-line ``ConfigurationError`` when ``exc`` says the database cannot be used (refused,
    unresolvable, authentication, no such database or file), else None. Never the DSN."""
    if isinstance(exc, sqlite3.OperationalError):
        unusable = "unable to open" in str(exc)
    else:
        sqlstate = str(getattr(exc, "sqlstate", "") or "")
        unusable = isinstance(exc, OSError) or sqlstate.startswith(_UNUSABLE_SQLSTATES)
    if not unusable:
        return None
    return ConfigurationError(f"cannot reach the {what}: {type(exc).__name__}: {exc}")


@contextlib.contextmanager
def _reaching(what: str) -> Iterator[None]:
    """Turn a failure to reach the database into ``_unusable``'s one-line error; anything
    else propagates as it is."""
    try:
        yield
    except Exception as exc:
        unusable = _unusable(exc, what)
        if unusable is None:
            raise
        raise unusable from exc


def current_engine() -> Engine[Any]:
    """The engine last bound by ``bind_engine`` (at app startup or migration).

    Raises:
        ConfigurationError: no engine is bound yet.
    """
    if _Binding.engine is None:
        raise ConfigurationError("no database is bound: start the app or call Database.bind()")
    return _Binding.engine


def write_transaction(engine: Engine[Any] | None = None) -> BaseTransaction:
    """A transaction for writes: ``BEGIN IMMEDIATE`` on SQLite, a plain one on PostgreSQL.

    SQLite's default ``DEFERRED`` transaction takes the write lock at its first write; when two
    such transactions have both read, the second to write fails at once with "database is
    locked" (the busy timeout does not cover that upgrade). ``IMMEDIATE`` takes the lock at
    ``BEGIN``, so a second writer waits instead.

    Example:
        >>> async with write_transaction():
        ...     note = await Note.objects().create(title="a", body="b")
        ...     await Note.update({Note.body: "c"}).where(Note.id == note.id)
    """
    engine = engine or current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return cast(BaseTransaction, engine.transaction())


class Database:
    """The app's database: an engine chosen by URL, bound at startup, closed at shutdown.

    Args:
        url: the database URL; ``DATABASE_URL`` when None (see the module docstring).
        migrate_on_startup: run pending migrations when the app starts. Defaults to True for
            SQLite (the embedded, one-process default: a fresh clone serves a working app) and
            False for PostgreSQL, where ``authstage migrate`` runs once per deploy.

    Example:
        >>> database = Database()
        >>> app = Litestar(on_startup=[database.startup], on_shutdown=[database.shutdown])
    """

    def __init__(self, url: str | None = None, *, migrate_on_startup: bool | None = None) -> None:
        self.config = parse_database_url(url)
        self.engine = create_engine(self.config)
        self.migrate_on_startup = (
            self.config.kind == "sqlite" if migrate_on_startup is None else migrate_on_startup
        )
        #: The framework's Piccolo apps in use (when the project has no ``piccolo_conf``):
        #: every one until ``startup`` learns the app's.
        self.apps: list[str] = framework_apps()

    def bind(self) -> str:
        """Bind this database's engine to every table (see ``bind_engine``); returns the name
        of the Piccolo configuration in use."""
        return bind_engine(self.engine, self.apps)

    async def startup(self, app: Litestar | None = None) -> None:
        """Litestar ``on_startup`` hook: bind, open the pool (PostgreSQL), maybe migrate.

        Litestar passes the app: only the framework's tables it uses are migrated (see
        ``framework_apps``), when the project has no ``piccolo_conf`` of its own.

        Raises:
            ConfigurationError: the database cannot be reached, or a migration failed.
        """
        self.apps = framework_apps(app)
        conf_name = self.bind()
        self._open_sqlite_file()
        with _reaching(self._what):
            if isinstance(self.engine, PostgresEngine):
                if self.engine.pool is None:
                    await self.engine.start_connection_pool()
            else:
                await self.engine.run_ddl("PRAGMA journal_mode=WAL")
        if self.migrate_on_startup:  # bound and opened just above
            await self._run_forwards(conf_name, quiet=True)

    async def shutdown(self) -> None:
        """Litestar ``on_shutdown`` hook: close the PostgreSQL pool."""
        if isinstance(self.engine, PostgresEngine) and self.engine.pool is not None:
            await self.engine.close_connection_pool()

    def _open_sqlite_file(self) -> None:
        """Fail here, in one line, when the SQLite file cannot be opened: a failed aiosqlite
        connect leaves its worker thread to report on a closed event loop."""
        if self.config.kind != "sqlite":
            return
        with _reaching(self._what):
            sqlite3.connect(self.config.target).close()

    @property
    def _what(self) -> str:
        if self.config.kind == "sqlite":
            return f"SQLite database {self.config.target}"
        return "PostgreSQL server"

    async def migrate(self, *, quiet: bool = False) -> None:
        """Run the pending Piccolo migrations of the project's apps forward on this database.

        Args:
            quiet: send Piccolo's progress output to the ``authstage.db`` log, not stdout.

        Raises:
            ConfigurationError: the database cannot be reached, or a migration failed.
        """
        conf_name = self.bind()
        self._open_sqlite_file()
        await self._run_forwards(conf_name, quiet=quiet)

    async def _run_forwards(self, conf_name: str, *, quiet: bool) -> None:
        """Piccolo's forward migrations under ``conf_name``, on the database bound already."""
        saved_path = list(sys.path)  # Piccolo adds each migrations folder to sys.path
        out = io.StringIO()
        try:
            with (
                _reaching(self._what),
                contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext(),
                piccolo_conf_named(conf_name),
            ):
                result = await run_forwards(app_name="all")
        finally:
            sys.path[:] = saved_path
            for line in out.getvalue().splitlines():
                logger.debug("%s", line)
        if not result.success:
            raise ConfigurationError(f"migrations failed: {result.message}")
