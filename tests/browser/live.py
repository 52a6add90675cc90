"""The demo app served for the browser suite, on either engine, and a look into its database.

``demo_server(engine, directory)`` serves ``tests.browser.app:create_app`` with uvicorn on a free
port, as ``authstage run`` serves ``actions.app:create_app``, on a fresh database: a SQLite file
in ``directory`` (the app migrates it as it starts) or a new PostgreSQL database (migrated by
``authstage migrate`` first, dropped afterwards). Tests drive
the app through the browser and check what must (or must not) have been written with
``DemoServer.query``: a Piccolo query run on the server's database from a worker thread's event
loop, outside any pool, so it never shares a connection with the server process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authstage.auth import User
from authstage.db import Database
from tests.conftest import create_postgres_database, drop_postgres_database, run_sync
from tests.live_server import serve

__all__ = ["APP", "DemoServer", "demo_server"]

APP = "tests.browser.app:create_app"


@dataclass(frozen=True)
class DemoServer:
    """A running demo app: its address, database URL and engine name."""

    url: str
    database_url: str
    engine: str

    def query(self, query: Any) -> Any:
        """Run a Piccolo query on the server's database and return its result."""

        async def run() -> Any:
            Database(self.database_url, migrate_on_startup=False).bind()
            return await query.run(in_pool=False)

        return run_sync(run())

    def user(self, email: str) -> dict[str, Any] | None:
        """The user row with this email (no password hash), or None."""
        columns = User.all_columns(exclude=[User.password_hash])
        row: dict[str, Any] | None = self.query(
            User.select(*columns).where(User.email == email).first()
        )
        return row

    def users_with(self, email: str) -> int:
        """How many accounts have this email."""
        count: int = self.query(User.count().where(User.email == email))
        return count


@contextmanager
def demo_server(engine: str, directory: Path) -> Iterator[DemoServer]:
    """Serve the demo app on a fresh ``engine`` (``sqlite`` or ``postgres``) database."""
    name: str | None = None
    database_url: str | None = None
    if engine == "postgres":
        name, database_url = create_postgres_database()
    try:
        # On SQLite the app migrates its fresh file as it starts, as `authstage run` does.
        with serve(directory, database_url=database_url, app=APP, migrate=name is not None) as live:
            yield DemoServer(url=live.url, database_url=live.database_url, engine=engine)
    finally:
        if name is not None:
            drop_postgres_database(name)
