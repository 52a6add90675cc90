"""The ``authstage`` command: ``actions``, ``migrate`` and ``run``."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import msgspec
import pytest

from actions.app import create_app
from actions.notes import NoteOut
from authstage import cli
from authstage.appstate import endpoint_of
from tests.cli_tools import free_port, wait_until_serving, write_ping_app

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
    registry = endpoint_of(create_app()).registry
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
    assert {
        "note",
        "migration",
        "authstage_user",
        "authstage_session",
        "authstage_audit",
        "authstage_job",
        "post",
        "like",
        "todo",
        "export",
    } <= _tables(path)
    applied = _migrations(path)
    assert list(dict.fromkeys(applied)) == ["auth", "audit", "jobs", "demo"]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert cli.main(["migrate"]) == 0
    assert _migrations(path) == applied  # nothing ran twice
    assert "No migrations need to be run" in capsys.readouterr().out


def test_migrate_refuses_an_unsupported_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate", "--database-url", "mysql://localhost/app"]) == 2
    assert "not supported" in capsys.readouterr().err


def test_run_serves_a_fresh_checkout_on_sqlite(tmp_path: Path) -> None:
    """``authstage run`` with no database configured: the app's Database migrates SQLite."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PICCOLO_CONF"}}
    env.update(PYTHONPATH=str(ROOT), AUTHSTAGE_SECRET=SECRET)
    command = [sys.executable, "-m", "authstage.cli", "run", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        registry = endpoint_of(create_app()).registry
        url = f"http://127.0.0.1:{port}/_action"
        wait_until_serving(f"http://127.0.0.1:{port}", server)

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


class _Terminal(io.StringIO):
    """A stdin that says it is a terminal (the prompts themselves are replaced)."""

    def isatty(self) -> bool:
        return True


def test_createuser_prompts_for_the_password_and_makes_an_admin(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from authstage.auth import User
    from tests.conftest import run_sync

    answers = iter(["correct horse battery", "correct horse battery"])
    monkeypatch.setattr("sys.stdin", _Terminal())
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
    monkeypatch.setattr("sys.stdin", _Terminal())
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


def _project(root: Path, module: str) -> None:
    """A project: pyproject.toml and one module ``module`` with one public action."""
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    write_ping_app(root, module)


def test_actions_finds_the_servers_dev_secret_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from authstage.ids import action_id

    _project(tmp_path, "cli_secret_project")
    secret = "d" * 64
    (tmp_path / ".authstage-secret").write_text(secret + "\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("AUTHSTAGE_SECRET")
    argv = ["actions", "--app", "cli_secret_project:app", "--id", "cli_secret_project.ping"]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip() == action_id("cli_secret_project.ping", secret.encode())
    path = tmp_path.resolve() / ".authstage-secret"
    assert f"authstage: using the development secret in {path}" in err.splitlines()
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == []


def test_actions_prints_no_id_without_the_servers_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "cli_nosecret_project")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("AUTHSTAGE_SECRET")
    argv = ["actions", "--app", "cli_nosecret_project:app", "--id", "cli_nosecret_project.ping"]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no development secret" in err and len(err.splitlines()) == 1
    assert not (tmp_path / ".authstage-secret").exists()


def test_actions_says_it_uses_the_environment_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["actions", "--app", "actions.app:create_app", "--id", "actions.demo.add"]) == 0
    out, err = capsys.readouterr()
    assert "authstage: using AUTHSTAGE_SECRET" in err.splitlines() and len(out.strip()) == 42
    assert cli.main(["actions", "--app", "actions.app:create_app", "--id", "nope"]) == 2
    assert "no action named 'nope'" in capsys.readouterr().err
