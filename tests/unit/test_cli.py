"""The ``authstage`` command: ``actions``, ``migrate`` and ``run``."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import msgspec
import pytest

from actions.app import create_app
from actions.notes import NoteOut
from authstage import cli

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-test-secret-0123456789abcdef0123456789"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ``main``'s sys.path insertion and the environment local to each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("AUTHSTAGE_SECRET", SECRET)
    monkeypatch.setenv("AUTHSTAGE_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)


def test_actions_prints_one_row_per_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["actions", "--app", "actions.app:create_app"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ID", "ACCESS", "PARAMS", "BODY", "LIMIT"]
    assert set(lines[1]) == {"-", " "}
    rows = {line.split()[0]: line for line in lines[2:]}
    registry = create_app().state["authstage"].registry
    assert set(rows) == set(registry.specs)
    for name, line in rows.items():
        spec = registry.specs[name]
        assert registry.ids[name][0] in line
        access = line.split()[2]
        assert access == ("public" if spec.public else "role:admin" if spec.roles else "auth")
        limit = spec.max_body_size or 1 << 20
        assert line.endswith(cli._size_text(limit))
    assert "limit: int = 20" in rows["actions.notes.list_notes"]
    assert "data: NewNote" in rows["actions.notes.create_note"]
    assert "note_id: int" in rows["actions.notes.get_note"]
    assert "a: int, b: int" in rows["actions.demo.add"]


def test_actions_accepts_an_app_instance(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = type(sys)("cli_test_app_module")
    module.app = create_app()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cli_test_app_module", module)
    assert cli.main(["actions", "--app", "cli_test_app_module:app"]) == 0
    assert "actions.notes.get_note" in capsys.readouterr().out


@pytest.mark.parametrize(
    "target",
    ["actions.app", "actions.app:nothing", "no_such_module:app", "actions.app:ACTION_MODULES"],
)
def test_a_bad_app_target_is_reported(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["actions", "--app", target]) == 2
    assert capsys.readouterr().err.startswith("authstage: --app")


@pytest.mark.parametrize(
    ("tp", "text"),
    [
        (int, "int"),
        (Annotated[int, msgspec.Meta(ge=1)], "int"),
        (list[NoteOut], "list[NoteOut]"),
        (int | None, "int | None"),
        (dict[str, list[int]], "dict[str, list[int]]"),
        (tuple[int, ...], "tuple[int, ...]"),
        (Literal["a", "b"], "Literal['a', 'b']"),
        (Any, "Any"),
    ],
)
def test_parameter_types_are_shown_briefly(tp: Any, text: str) -> None:
    assert cli._type_text(tp) == text


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}


def _migrations(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT app_name FROM migration")]


def test_migrate_creates_the_tables_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.sqlite"
    assert cli.main(["migrate", "--database-url", f"sqlite:///{path}"]) == 0
    tables = {"note", "migration", "authstage_user", "authstage_session", "authstage_job"}
    assert tables <= _tables(path)
    assert _migrations(path) == ["auth", "jobs", "demo"]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert cli.main(["migrate"]) == 0
    assert _migrations(path) == ["auth", "jobs", "demo"]
    assert "No migrations need to be run" in capsys.readouterr().out


def test_migrate_refuses_an_unsupported_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate", "--database-url", "mysql://localhost/app"]) == 2
    assert "not supported" in capsys.readouterr().err


def test_run_migrates_the_embedded_default_then_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, Any] = {}

    def fake_run(app: str, **options: Any) -> None:
        served.update(options, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--port", "8123"]) == 0
    assert served == {
        "app": "actions.app:create_app",
        "host": "127.0.0.1",
        "port": 8123,
        "reload": False,
        "factory": True,
    }
    assert "note" in _tables(tmp_path / "authstage.sqlite")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_run_serves_a_fresh_checkout_on_sqlite(tmp_path: Path) -> None:
    """``authstage run`` with no database configured: migrate, serve, create and list a note."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PICCOLO_CONF"}}
    env.update(PYTHONPATH=str(ROOT), AUTHSTAGE_SECRET=SECRET)
    command = [sys.executable, "-m", "authstage.cli", "run", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        registry = create_app().state["authstage"].registry
        url = f"http://127.0.0.1:{port}/_action"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[0].decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)

        def call(name: str, **arguments: Any) -> Any:
            headers = {"authstage-action": registry.ids[name][0]}
            response = httpx.post(url, json=arguments, headers=headers, timeout=5)
            assert response.status_code == 200, response.text
            return response.json()["data"]

        created = call("actions.notes.create_note", data={"title": "first"})
        assert call("actions.notes.list_notes") == [created]
        assert (tmp_path / "authstage.sqlite").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stdout is not None
        server.stdout.close()


def test_createuser_prompts_for_the_password_and_makes_an_admin(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from authstage.auth import User
    from tests.conftest import run_sync

    answers = iter(["correct horse battery", "correct horse battery"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt="": "Root@Example.com")
    email = f"root-{os.urandom(3).hex()}@example.com"
    argv = ["createuser", "--admin", "--name", "Root", "--database-url", database_url]
    assert cli.main([*argv, "--email", email]) == 0
    assert "created admin" in capsys.readouterr().out

    async def role() -> object:
        from authstage.db import Database

        db = Database(database_url, migrate_on_startup=False)
        db.bind()
        return (
            await User.select(User.role, User.password_hash)
            .where(User.email == email)
            .first()
            .run(in_pool=False)
        )

    row = run_sync(role())
    assert isinstance(row, dict)
    assert row["role"] == "admin" and row["password_hash"].startswith("$argon2id$")


def test_createuser_refuses_mismatched_and_short_passwords(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["createuser", "--email", "x@example.com", "--name", "X", "--database-url", database_url]
    answers = iter(["correct horse battery", "different horse"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(argv) == 1
    assert "do not match" in capsys.readouterr().err
    short = iter(["short", "short"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(short))
    assert cli.main(argv) == 1
    assert "at least 8" in capsys.readouterr().err


def test_createuser_has_no_password_argument() -> None:
    with pytest.raises(SystemExit):
        cli.main(["createuser", "--password", "hunter22"])
