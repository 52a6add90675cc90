"""Fixtures shared by every suite: the database on both engines and the demo app over it.

``database_url`` is parametrized over ``sqlite`` (a temporary file) and ``postgres`` (a fresh
database ``authstage_test_<random>`` created on the server named by ``AUTHSTAGE_TEST_POSTGRES``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``, and dropped at the end of the
session). The postgres parameter carries the ``postgres`` marker: ``-m "not postgres"`` runs the
SQLite half only. Each URL is migrated once per session; ``database`` empties the app's tables
before each test.

When PostgreSQL cannot be reached its tests are skipped, unless ``CI`` is set: in CI a skipped
required suite is a failure, and so is any other skipped test (``pytest_runtest_makereport``).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import AsyncIterator, Coroutine, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.conf.apps import Finder
from piccolo.table import sort_table_classes

from actions.app import create_app
from authstage.auth import AuthConfig, PasswordHasher
from authstage.db import Database

T = TypeVar("T")

TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"
#: argon2id with small parameters: the same code path, a fraction of the time per hash.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
POSTGRES_ADMIN_URL = os.environ.get(
    "AUTHSTAGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def in_ci() -> bool:
    """True when running in continuous integration (the ``CI`` variable is set)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """In CI every suite is required: a skipped test is reported as a failure."""
    report = yield
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every suite is required: {reason}"
    return report


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a private event loop in a worker thread (safe from any fixture)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin(sql: str, *args: Any) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


def create_postgres_database() -> tuple[str, str]:
    """A new empty database on the test server: its name and URL (skipped when unreachable,
    failed in CI)."""
    name = f"authstage_test_{secrets.token_hex(4)}"
    try:
        run_sync(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {exc!r}"
        if in_ci():
            pytest.fail(f"{message} (CI requires the postgres suite)", pytrace=False)
        pytest.skip(message)
    return name, urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl()


def drop_postgres_database(name: str) -> None:
    """Drop a database made by ``create_postgres_database``, ending its connections first."""
    run_sync(
        _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    )
    run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}"'))


#: The engines every database test runs on (``-m "not postgres"`` leaves out the second).
ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=ENGINES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database URL, once per engine for the whole session."""
    name: str | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        name, url = create_postgres_database()
    try:
        run_sync(Database(url).migrate(quiet=True))
        yield url
    finally:
        if name is not None:
            drop_postgres_database(name)


async def _empty_tables(database: Database) -> None:
    tables = sort_table_classes(Finder().get_table_classes())
    if database.config.kind == "postgres":
        names = ", ".join(t._meta.get_formatted_tablename() for t in tables)
        await database.engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        for table in reversed(tables):
            await database.engine.run_ddl(f"DELETE FROM {table._meta.get_formatted_tablename()}")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The session's database for ``database_url``, bound, with the app's tables empty."""
    db = Database(database_url, migrate_on_startup=False)
    db.bind()
    await _empty_tables(db)
    yield db
    await db.shutdown()


@pytest.fixture
def db_app(database: Database, database_url: str) -> Litestar:
    """The demo app (``create_app``) over the test database."""
    return create_app(
        database_url=database_url,
        auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
        secret=TEST_SECRET,
        production=False,
        debug=False,
    )


@pytest.fixture
async def db_client(db_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of ``db_app``; its startup hooks open the database pool on the app's loop."""
    async with AsyncTestClient(db_app) as client:
        yield client


_SECRET_PATTERNS = [
    re.compile(rb"\$argon2(?:id|i|d)\$"),  # a password hash
    re.compile(rb"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])"),  # a SHA-256 hex digest (token hash)
]


def leaked_secrets(body: bytes, tokens: set[str]) -> list[str]:
    """What in ``body`` looks like a password hash, a token hash, or one of ``tokens``."""
    found = [p.pattern.decode() for p in _SECRET_PATTERNS if p.search(body)]
    found += [f"session token {t[:6]}..." for t in tokens if len(t) >= 20 and t.encode() in body]
    return found


@pytest.fixture(autouse=True)
def _no_secrets_in_any_response(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every response body any test receives is scanned: no password hash, no token hash, no
    session token (tokens belong in Set-Cookie headers only)."""
    seen: list[httpx.Response] = []
    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    def record_sync(self: httpx.Client, request: httpx.Request, **kw: Any) -> httpx.Response:
        response = sync_send(self, request, **kw)
        seen.append(response)
        return response

    async def record_async(
        self: httpx.AsyncClient, request: httpx.Request, **kw: Any
    ) -> httpx.Response:
        response = await async_send(self, request, **kw)
        seen.append(response)
        return response

    monkeypatch.setattr(httpx.Client, "send", record_sync)
    monkeypatch.setattr(httpx.AsyncClient, "send", record_async)
    yield
    tokens = {
        cookie.split("=", 1)[1].split(";", 1)[0]
        for response in seen
        for cookie in response.headers.get_list("set-cookie")
        if "session=" in cookie.split(";", 1)[0]
    }
    for response in seen:
        try:
            body = response.content
        except httpx.ResponseNotRead:
            continue
        leaks = leaked_secrets(body, tokens)
        assert not leaks, f"{response.request.method} {response.request.url} leaked {leaks}"
