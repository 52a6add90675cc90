"""The harness's common ground: paths, the settings a run is driven with, a running server.

Shared by the process, wrk and statistics modules of the benchmark driver (``bench.run``), so
none of them imports another for a dataclass.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.peers import Peer

__all__ = [
    "HOST",
    "RESULTS",
    "ROOT",
    "Server",
    "Settings",
    "machine",
    "pinned",
    "standalone_settings",
]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    """How each peer is driven."""

    duration: int
    warmup: int
    connections: int
    threads: int
    rounds: int
    timeout: int
    pin: bool
    quick: bool


@dataclass
class Server:
    """A running server process serving one peer."""

    peer: Peer
    port: int
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    log_path: Path
    lua: Path
    headers: dict[str, str]
    actions: int | None
    #: What serves the peer: ``uvicorn``, or the Next.js version and ``next start``.
    serving: str = "uvicorn"


def standalone_settings(args: argparse.Namespace) -> Settings:
    """The settings of a benchmark run on its own (``bench.growth``, ``bench.serverchoice``)
    from its ``--seconds``, ``--warmup``, ``--connections``, ``--rounds`` and ``--no-pin``: one
    wrk thread, a 10 s timeout; its servers run in development mode unless told otherwise."""
    os.environ.setdefault("AUTHSTAGE_ENV", "development")
    return Settings(
        duration=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        threads=1,
        rounds=args.rounds,
        timeout=10,
        pin=not args.no_pin,
        quick=False,
    )


def pinned(cpu: int, argv: list[str], settings: Settings) -> list[str]:
    """``argv`` pinned to ``cpu`` with taskset (when asked for and available)."""
    if settings.pin and shutil.which("taskset"):
        return ["taskset", "--cpu-list", str(cpu), *argv]
    return argv


def machine(pg_version: str | None) -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    versions = {}
    for package in (
        *("authstage", "litestar", "msgspec", "piccolo", "asyncpg", "uvicorn"),
        *("fastapi", "pydantic"),
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    for package in ("uvloop", "httptools"):
        versions[package] = importlib.metadata.version(package)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": pg_version,
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("[")[0].strip(),
        "packages": versions,
        "loadavg_start": list(os.getloadavg()),
    }
