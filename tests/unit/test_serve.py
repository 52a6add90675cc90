"""``authstage run`` / ``migrate`` / ``createuser`` as a user starts them: in a subprocess.

Each failure of configuration must be one line on stderr and a non-zero exit, never a
traceback. The unreachable PostgreSQL is a port nothing listens on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from authstage.errors import ConfigurationError
from authstage.serve import startup_failure
from tests.cli_tools import free_port, running, wait_until_serving, write_ping_app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "serve-test-secret-0123456789abcdef0123456789"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PICCOLO_CONF", "AUTHSTAGE_ENV", "AUTHSTAGE_SECRET"}
    }
    env.update({"PYTHONPATH": str(ROOT), "AUTHSTAGE_SECRET": SECRET, **extra})
    return env


def _authstage(
    *argv: str, cwd: Path = ROOT, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "authstage.cli", *argv],
        cwd=cwd,
        env=_env(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_line_failure(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("authstage: ") and expected in lines[0]


UNREACHABLE = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/none"


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_an_unreachable_database_is_one_line_at_run_and_migrate(command: str) -> None:
    port = ["--port", str(free_port())] if command == "run" else []
    result = _authstage(command, *port, DATABASE_URL=UNREACHABLE)
    _assert_one_line_failure(result, "cannot reach the PostgreSQL server")
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_a_bad_database_url_is_one_line(command: str) -> None:
    result = _authstage(command, DATABASE_URL="mysql://root:hunter2@db/app")
    _assert_one_line_failure(result, "DATABASE_URL mysql://... is not supported")


def test_an_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.sqlite'}"
    _assert_one_line_failure(_authstage("migrate", DATABASE_URL=url), "unable to open")


def test_a_missing_secret_in_production_is_one_line(tmp_path: Path) -> None:
    result = _authstage("run", AUTHSTAGE_ENV="production", AUTHSTAGE_SECRET="")
    _assert_one_line_failure(result, "production refuses to start without a secret")


def test_createuser_without_a_terminal_asks_for_password_stdin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    argv = ["createuser", "--email", "a@example.com", "--name", "A", "--database-url", url]
    _assert_one_line_failure(_authstage(*argv), "use --password-stdin")
    _assert_one_line_failure(_authstage("createuser", "--password-stdin"), "--email is required")
    created = _authstage(*argv, "--password-stdin", stdin="correct horse battery\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created user a@example.com")
    again = _authstage(*argv, "--password-stdin", stdin="correct horse battery\n")
    assert again.returncode == 1 and "Traceback" not in again.stderr


def test_run_serves_an_app_without_tables_touching_no_database(tmp_path: Path) -> None:
    write_ping_app(tmp_path, "tableless")
    argv = [sys.executable, "-m", "authstage.cli", "run", "--app", "tableless:app"]
    with running(argv, tmp_path, _env()) as server:
        pass
    assert server.returncode == 0, server.stderr
    assert "Traceback" not in server.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["tableless.py"]


def test_a_cycle_of_causes_ends_the_search_for_a_startup_failure() -> None:
    # `raise exc from exc` makes an exception its own cause: no RecursionError, no finding.
    error = RuntimeError("boom")
    error.__cause__ = error
    assert startup_failure(error) is None
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = ConfigurationError("bad url")
    assert str(startup_failure(wrapped)) == "bad url"


CLI = [sys.executable, "-m", "authstage.cli"]
SLOW_APP = (
    "import asyncio\n"
    "from litestar import Litestar\n"
    "from authstage import AuthstagePlugin, action\n\n"
    "@action(public=True)\n"
    "async def slow(seconds: float) -> str:\n"
    "    await asyncio.sleep(seconds)\n"
    "    return 'done'\n\n"
    "app = Litestar(plugins=[AuthstagePlugin(actions=[slow])])\n"
)


def test_sigterm_lets_calls_in_flight_finish_and_refuses_new_connections(
    tmp_path: Path,
) -> None:
    (tmp_path / "slowapp.py").write_text(SLOW_APP, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "run", "--app", "slowapp:app", "--port", str(port), "--drain", "5"],
        cwd=tmp_path,
        env=_env(PYTHONPATH=f"{tmp_path}:{ROOT}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server)
        listed = subprocess.run(
            [*CLI, "actions", "--app", "slowapp:app", "--id", "slowapp.slow"],
            cwd=tmp_path,
            env=_env(PYTHONPATH=f"{tmp_path}:{ROOT}"),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        ident = listed.stdout.strip()

        def call() -> httpx.Response:
            return httpx.post(
                f"{base}/_action",
                json={"seconds": 3},
                headers={"authstage-action": ident},
                timeout=20,
            )

        with ThreadPoolExecutor(max_workers=10) as pool:
            in_flight = [pool.submit(call) for _ in range(10)]
            time.sleep(1.5)  # all ten are being served (each takes 3 s)
            server.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            with pytest.raises(httpx.ConnectError):  # no new connection: it goes elsewhere
                httpx.get(f"{base}/", timeout=2)
            replies = [future.result() for future in in_flight]
        assert [r.status_code for r in replies] == [200] * 10  # none cut, none reset
        assert {r.json()["data"] for r in replies} == {"done"}
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=10)


def test_a_drain_time_that_is_not_a_number_fails_in_one_line() -> None:
    result = _authstage("run", "--port", str(free_port()), AUTHSTAGE_DRAIN_SECONDS="soon")
    _assert_one_line_failure(result, "AUTHSTAGE_DRAIN_SECONDS='soon': give a number of seconds")
