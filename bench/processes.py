"""The benchmark's processes: each peer's server, the database, code generation, py-spy.

Every peer runs in its own server process pinned to the same core, checked with one real
request before it is measured: the Python peers under uvicorn with the same options (one
worker, uvloop, httptools, access log off), the Next.js peers under ``next start``
(``bench.nextjs_server``). Code generation is timed in a process of its own, pinned like a
server.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from bench import nextjs_server
from bench.harness import HOST, RESULTS, ROOT, Server, Settings, pinned
from bench.peers import Peer, action_headers, session_headers
from bench.wrk import write_lua

__all__ = [
    "UVICORN_OPTIONS",
    "codegen",
    "free_port",
    "post_once",
    "prepare_database",
    "prepare_session",
    "start_profiler",
    "start_server",
    "stop_profiler",
    "stop_server",
    "wait_until_checked",
    "wait_until_serving",
]

#: Identical for every peer (the module and port are appended per peer).
UVICORN_OPTIONS = [
    "--workers",
    "1",
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--log-level",
    "warning",
    "--lifespan",
    "on",
]


def free_port() -> int:
    """A TCP port free on the bench host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_serving(proc: subprocess.Popen[bytes], port: int, seconds: float = 60) -> None:
    """Return once the server on ``port`` answers ``GET /_action/manifest`` with 200.

    Raises:
        RuntimeError: the server exited, or did not answer within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError("the server exited at startup")
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conn.request("GET", "/_action/manifest")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the server did not start in time")
        time.sleep(0.2)


def post_once(server: Server, timeout: float = 10) -> tuple[int, bytes]:
    """One request of ``server``'s peer with its body and headers: the status and the body."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        conn.request("POST", server.peer.path, body=server.peer.body, headers=server.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass(frozen=True)
class _Launch:
    """How a peer's server process is started, and what its requests carry."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    headers: dict[str, str]
    #: Actions registered in an authstage app (None for the others).
    actions: int | None
    #: What serves the peer, for the results.
    serving: str


def _uvicorn(peer: Peer, port: int) -> _Launch:
    headers, actions = action_headers(peer)
    argv = [sys.executable, "-m", "uvicorn", "--factory", f"{peer.module}:create_app"]
    argv += ["--host", HOST, "--port", str(port), *UVICORN_OPTIONS]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return _Launch(argv, ROOT, env, headers, actions, "uvicorn")


def _next(peer: Peer, port: int) -> _Launch:
    nextjs_server.build()
    ids = nextjs_server.action_ids()
    if peer.action not in ids:
        raise RuntimeError(f"{peer.key}: no server action {peer.action!r} in the build: {ids}")
    headers = {
        **nextjs_server.request_headers(ids[peer.action], HOST, port),
        **session_headers(peer),
    }
    argv = nextjs_server.command(HOST, port)
    env = nextjs_server.environment()
    return _Launch(argv, nextjs_server.DIR, env, headers, None, nextjs_server.describe())


_LAUNCHERS = {"uvicorn": _uvicorn, "next": _next}


def start_server(peer: Peer, settings: Settings, workdir: Path) -> Server:
    """Start ``peer``'s server pinned to CPU 0 (under uvicorn, or ``next start`` after building
    the Next.js app when needed); returns once it answered one correct request."""
    port = free_port()
    launch = _LAUNCHERS[peer.runtime](peer, port)
    log_path = workdir / f"{peer.key}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        pinned(0, launch.argv, settings),
        cwd=launch.cwd,
        env=launch.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    lua = write_lua(peer, launch.headers, workdir)
    server = Server(
        peer, port, proc, log, log_path, lua, launch.headers, launch.actions, launch.serving
    )
    wait_until_checked(server)
    return server


def wait_until_checked(
    server: Server, ready: Callable[[], bool] = lambda: True, seconds: float = 300
) -> None:
    """Return once ``server`` answers its peer's request (and ``ready()`` holds), the reply
    passing the peer's check.

    Raises:
        RuntimeError: the process exited, did not answer within ``seconds``, or answered
            something the check refuses.
    """
    deadline = time.monotonic() + seconds
    key = server.peer.key
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{key} exited at startup:\n{server.log_path.read_text()[-4000:]}")
        try:
            status, body = post_once(server)
            if ready():
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{key} did not start in time")
        time.sleep(0.2)
    if not server.peer.check(status, body):
        raise RuntimeError(f"{key}: unexpected reply {status} {body[:300]!r}")


def stop_server(server: Server) -> None:
    """Stop the server process (SIGTERM, then SIGKILL) and close its log."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    server.log.close()


# --------------------------------------------------------------------------------------------
# the database and the signed-in session


async def _prepare_database(truncate: bool) -> str:
    import asyncpg

    from bench.servers.common import DSN
    from bench.servers.tables import create_table_ddl

    base, _, dbname = DSN.rpartition("/")
    try:
        conn = await asyncpg.connect(DSN)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(DSN)
    try:
        for ddl in create_table_ddl():
            await conn.execute(ddl)
        if truncate:
            await conn.execute('TRUNCATE "authstage_bench_row" RESTART IDENTITY')
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


def prepare_database(truncate: bool = False) -> str:
    """Create the benchmark database and table if needed; empty the table when asked."""
    return asyncio.run(_prepare_database(truncate))


def prepare_session() -> None:
    """A fresh session of the bench user; its token goes to ``BENCH_SESSION_TOKEN``, which the
    servers inherit and the signed-in peers send as their cookie."""
    from bench.servers.sessions import create_session

    asyncio.run(create_session())


# --------------------------------------------------------------------------------------------
# code generation


def codegen(settings: Settings) -> dict[str, Any]:
    """``python -m bench.codegen --json`` in its own process (pinned like a server)."""
    argv = [sys.executable, "-m", "bench.codegen", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        pinned(0, argv, settings), capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    result: dict[str, Any] = msgspec.json.decode(out.strip().splitlines()[-1])
    verdict = "met" if result["met"] else "MISSED"
    print(
        f"codegen {result['actions']} actions: {result['generate_s']:.2f} s "
        f"(registration {result['register_s']:.2f} s; target < {result['target_s']:g} s: "
        f"{verdict})",
        flush=True,
    )
    return result


# --------------------------------------------------------------------------------------------
# the run


def start_profiler(server: Server, settings: Settings) -> subprocess.Popen[bytes]:
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = RESULTS / f"profile-{server.peer.key}.raw"
    argv = [exe, "record", "--format", "raw", "--rate", "250", "--nonblocking"]
    argv += ["--duration", str(settings.duration), "--output", str(out)]
    argv += ["--pid", str(server.proc.pid)]
    print(f"profiling {server.peer.key} into {out.relative_to(ROOT)}", flush=True)
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait()
