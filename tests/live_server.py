"""A real server for the client suites: uvicorn in its own process, on a free port.

``serve()`` migrates a fresh database (a SQLite file unless given a URL), starts
``uvicorn --factory tests.live_app:create_app`` (or another factory) and waits until the manifest
answers. Its log is kept in a file and shown when the server does not come up. The Python client
suite (tests/integration), the TypeScript suite (tests/ts) and the browser suite (tests/browser)
use it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "SECRET",
    "LiveServer",
    "free_port",
    "run_factory",
    "serve",
    "server_environment",
    "wait_until_serving",
]

ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-server-test-secret-0123456789abcdef0123"


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL, database and log."""

    url: str
    database_url: str
    log: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_environment(
    database_url: str, secret: str, directory: Path | None = None
) -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "AUTHSTAGE_RATE_LIMIT_STORAGE", "AUTHSTAGE_DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        AUTHSTAGE_SECRET=secret,
        AUTHSTAGE_ENV="development",
    )
    if directory is not None:  # uploads and mail go there, not into the project's folder
        env["AUTHSTAGE_STORAGE_URL"] = (directory / "uploads").as_uri()
        env["AUTHSTAGE_MAIL_OUTBOX"] = str(directory / "outbox")
    return env


def wait_until_serving(
    url: str, process: subprocess.Popen[Any], log: Path | None = None, timeout: float = 30
) -> None:
    """Return once the server at ``url`` answers ``GET /_action/manifest`` with 200; fail with
    its log (or its output, once it has exited) when it exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/_action/manifest", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        exited = process.poll() is not None
        if exited or time.monotonic() > deadline:
            output = log.read_text() if log else process.communicate() if exited else ""
            raise RuntimeError(f"the test server did not start:\n{output}")
        time.sleep(0.1)


@contextmanager
def serve(
    directory: Path,
    *,
    secret: str = SECRET,
    database_url: str | None = None,
    app: str = "tests.live_app:create_app",
    migrate: bool = True,
) -> Iterator[LiveServer]:
    """Serve ``app`` (a factory, as ``module:attribute``) from a fresh database in ``directory``
    (or at ``database_url``) until the block ends, migrated first by ``authstage migrate``
    unless ``migrate`` is False (an app on SQLite migrates its own file as it starts)."""
    database_url = database_url or f"sqlite:///{directory / 'live.sqlite'}"
    env = server_environment(database_url, secret, directory)
    if migrate:
        command = [sys.executable, "-m", "authstage.cli", "migrate"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    with run_factory(app, env, directory) as (url, log):
        yield LiveServer(url=url, database_url=database_url, log=log)


@contextmanager
def run_factory(factory: str, env: dict[str, str], directory: Path) -> Iterator[tuple[str, Path]]:
    """Serve the app uvicorn's ``--factory`` ``factory`` builds, on a free port, until the block
    ends; yields its base URL and the log file (in ``directory``)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / f"server-{port}.log"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(url, process, log)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
