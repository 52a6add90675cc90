"""A private PostgreSQL server for fault tests: its own cluster in a temp folder, on a spare
port, that a test may stop and start without touching the machine's shared server.

``initdb`` and ``pg_ctl`` run as the ``postgres`` user when the tests run as root (PostgreSQL
refuses to run as root). About 2 s to create, well under 1 s to stop or start.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live_server import free_port

__all__ = ["PrivatePostgres", "private_postgres"]


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """One cluster: ``url`` while it runs; ``stop()`` / ``start()`` as often as a test needs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            pytest.fail("initdb/pg_ctl not found: the PostgreSQL server packages are required")
        self._pg_ctl = pg_ctl
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        (self.data / "postgresql.auto.conf").write_text("", encoding="utf-8")
        self._options = options
        self.start()

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:  # PostgreSQL will not run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        log = str(self.folder / "server.log")
        self._run(self._pg_ctl, "-D", str(self.data), "-o", self._options, "-l", log, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server (``immediate``: as a crash would, open connections are cut)."""
        self._run(self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="authstage-pg-"))
    shutil.chown(folder, "postgres") if os.geteuid() == 0 else None
    server = None
    try:
        server = PrivatePostgres(folder)
        yield server
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(folder, ignore_errors=True)
