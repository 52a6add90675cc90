"""The live server the Python client suite drives, and clients of it.

One server (uvicorn, its own process, a fresh SQLite database) serves the whole session; each
test gets fresh clients (no cookies, no manifest) and picks unique names for what it creates,
so tests do not depend on each other.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from authstage_client import AsyncClient

from tests.live_server import LiveServer, serve


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free port."""
    with serve(tmp_path_factory.mktemp("live")) as live:
        yield live


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[AsyncClient]:
    """An async client of the live server, signed out."""
    async with AsyncClient(server.url) as c:
        yield c


@pytest.fixture
def unique() -> str:
    """A name no other test uses (counters, tags, emails)."""
    return f"t{secrets.token_hex(6)}"
