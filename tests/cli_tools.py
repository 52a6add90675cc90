"""Helpers for tests that start the ``authstage`` command in a subprocess."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.live_server import free_port, wait_until_serving

__all__ = ["PING_APP", "Served", "free_port", "running", "wait_until_serving", "write_ping_app"]

#: A one-action app without tables, as a user's module.
PING_APP = (
    "from litestar import Litestar\n"
    "from authstage import AuthstagePlugin, action\n\n"
    "@action(public=True)\n"
    "async def ping() -> str:\n"
    "    return 'pong'\n\n"
    "app = Litestar(plugins=[AuthstagePlugin(actions=[ping])])\n"
)


def write_ping_app(folder: Path, module: str) -> None:
    """Save ``PING_APP`` as ``folder/module.py``."""
    (folder / f"{module}.py").write_text(PING_APP, encoding="utf-8")


@dataclass
class Served:
    """A server started by ``running``: its port; its exit status and stderr once stopped."""

    port: int
    returncode: int | None = None
    stderr: str = ""


@contextmanager
def running(argv: list[str], cwd: Path, env: dict[str, str]) -> Iterator[Served]:
    """Run ``argv --port <free port>`` until it serves; SIGTERM it on leaving."""
    served = Served(free_port())
    server = subprocess.Popen(
        [*argv, "--port", str(served.port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{served.port}", server)
        yield served
    finally:
        server.send_signal(signal.SIGTERM)
        _, served.stderr = server.communicate(timeout=15)
        served.returncode = server.returncode
