"""``authstage run --workers N`` as a user starts it: N processes on one port, one supervisor.

The app's actions return the serving process's PID, so a test sees which process answered.
Redis (shared, at REDIS_URL or 127.0.0.1:6379) holds the no-JS outcomes and idempotency
replies under this test's own namespace, the shape several processes need.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.cli_tools import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
SECRET = "multiserve-test-secret-0123456789abcdef0123456789"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CLI = [sys.executable, "-m", "authstage.cli", "run", "--app", "pidapp:app", "--no-access-log"]
PID_APP = (
    "import asyncio, os\n"
    "from litestar import Litestar\n"
    "from authstage import AuthstagePlugin, action\n\n"
    "@action(public=True)\n"
    "async def pid(seconds: float = 0) -> int:\n"
    "    await asyncio.sleep(seconds)\n"
    "    return os.getpid()\n\n"
    "app = Litestar(plugins=[AuthstagePlugin(actions=[pid])])\n"
)


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTHSTAGE_", "DATABASE_URL", "REDIS_URL", "PICCOLO_CONF"))
    }
    env.update(
        PYTHONPATH=f"{folder}:{ROOT}",
        AUTHSTAGE_SECRET=SECRET,
        REDIS_URL=REDIS,
        AUTHSTAGE_STORES_NAMESPACE=f"multiserve-test-{os.getpid()}",
    )
    env.update(extra)
    return env


def _action_id(folder: Path) -> str:
    (folder / "pidapp.py").write_text(PID_APP, encoding="utf-8")
    argv = ["actions", "--app", "pidapp:app", "--id", "pidapp.pid"]
    listed = subprocess.run(
        [sys.executable, "-m", "authstage.cli", *argv],
        cwd=folder,
        env=_env(folder),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return listed.stdout.strip()


@contextmanager
def _served(folder: Path, *argv: str, **env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    (folder / "pidapp.py").write_text(PID_APP, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "--port", str(port), *argv],
        cwd=folder,
        env=_env(folder, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server)
        yield server, base
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=30)


def _pids(base: str, ident: str, calls: int) -> set[int]:
    seen = set()
    for _ in range(calls):  # a new connection per call: the kernel spreads them
        reply = httpx.post(f"{base}/_action", json={}, headers={"authstage-action": ident})
        seen.add(reply.json()["data"])
    return seen


def _all_pids(base: str, ident: str, count: int, seconds: float = 60) -> set[int]:
    """The PIDs answering, once ``count`` distinct ones did (the first serves before the rest
    have started)."""
    deadline = time.monotonic() + seconds
    seen: set[int] = set()
    while len(seen) < count:
        assert time.monotonic() < deadline, seen
        seen |= _pids(base, ident, 10)
    return seen


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_gone(pids: set[int], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not all(_gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_two_workers_answer_and_sigterm_drains_them_all(tmp_path: Path) -> None:
    ident = _action_id(tmp_path)
    with _served(tmp_path, "--workers", "2", "--drain", "5") as (server, base):
        seen = _all_pids(base, ident, 2)
        assert len(seen) == 2 and server.pid not in seen

        def slow() -> httpx.Response:
            body = {"seconds": 2}
            return httpx.post(f"{base}/_action", json=body, headers={"authstage-action": ident})

        with ThreadPoolExecutor(max_workers=12) as pool:
            in_flight = [pool.submit(slow) for _ in range(12)]
            time.sleep(1)
            server.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            with pytest.raises(httpx.ConnectError):  # the port is closed in every process
                httpx.get(f"{base}/", timeout=2)
            replies = [future.result() for future in in_flight]
        assert [r.status_code for r in replies] == [200] * 12  # none cut
        assert server.wait(timeout=20) == 0
        assert {r.json()["data"] for r in replies} <= seen
        assert all(_gone(pid) for pid in seen)  # no orphans


def test_workers_from_the_environment(tmp_path: Path) -> None:
    ident = _action_id(tmp_path)
    with _served(tmp_path, AUTHSTAGE_WORKERS="2") as (server, base):
        assert len(_all_pids(base, ident, 2)) == 2
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0


def test_a_dead_worker_is_replaced_and_a_killed_supervisor_leaves_no_orphans(
    tmp_path: Path,
) -> None:
    ident = _action_id(tmp_path)
    with _served(tmp_path, "--workers", "2") as (server, base):
        victim = min(_all_pids(base, ident, 2))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:  # a new process takes its place
            now = _pids(base, ident, 20)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, now
            time.sleep(0.5)
        server.kill()  # SIGKILL: nothing is forwarded; the lifeline pipe ends the workers
        server.wait(timeout=10)
        assert _wait_gone(now)


def _one_line_failure(folder: Path, *argv: str, **env: str) -> str:
    (folder / "pidapp.py").write_text(PID_APP, encoding="utf-8")
    result = subprocess.run(
        [*CLI, "--port", str(free_port()), *argv],
        cwd=folder,
        env=_env(folder, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if not line.startswith("INFO:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("authstage: ")
    return lines[0]


def test_in_memory_stores_with_several_workers_are_refused_in_one_line(tmp_path: Path) -> None:
    line = _one_line_failure(tmp_path, "--workers", "3", REDIS_URL="")
    assert "--workers 3: no-JS outcomes, idempotency replies would be kept in each process" in line
    assert "REDIS_URL" in line


def test_a_failure_of_configuration_in_the_workers_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/none"
    (tmp_path / "pidapp.py").write_text(PID_APP, encoding="utf-8")
    line = _one_line_failure(
        tmp_path,
        "--workers",
        "2",
        "--app",
        "actions.app:create_app",
        DATABASE_URL=url,
    )
    assert "cannot reach the PostgreSQL server" in line and "hunter2" not in line


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--workers", "0"], {}, "--workers 0: give at least 1"),
        ([], {"AUTHSTAGE_WORKERS": "many"}, "AUTHSTAGE_WORKERS='many': give a number"),
        (["--workers", "2", "--reload"], {}, "--reload serves one process"),
    ],
)
def test_bad_worker_counts_are_one_line(
    tmp_path: Path, argv: list[str], env: dict[str, str], expected: str
) -> None:
    assert expected in _one_line_failure(tmp_path, *argv, **env)
