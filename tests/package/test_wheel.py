"""The wheel, installed into a fresh virtualenv in an empty folder, runs the README example.

Slow (marked ``slow``; about a minute, mostly pip): the wheel is built from this checkout, a
virtualenv is made in a temporary folder and the wheel installed there from the package index
(``--find-links`` for the wheel itself). Nothing of this repository is on that environment's
path: no ``piccolo_conf``, no ``migrations/``, no ``actions``. Then, as the README says:
save the example as ``posts.py``, ``authstage run --app posts:app``, ``authstage actions --id``,
and the README's curl, which must answer the README's JSON exactly. An app with ``AuthConfig``
must get its tables from ``authstage migrate`` alone.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.cli_tools import running

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The README's example, verbatim: the Python block and the shell block after it.
EXAMPLE = README.split("## Example", 1)[1]
PYTHON_BLOCK = re.search(r"```python\n(.*?)```", EXAMPLE, re.S).group(1)  # type: ignore[union-attr]
SHELL_BLOCK = re.search(r"```sh\n(.*?)```", EXAMPLE, re.S).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel built from this checkout; yields its bin/."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, timeout=300)
    (wheel,) = wheels.glob("authstage-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "authstage/auth/piccolo_migrations/__init__.py" in names
    assert "authstage/static/enhance.js" in names  # the plugin serves it to every page
    assert any(re.fullmatch(r"authstage/auth/piccolo_migrations/auth_.*\.py", n) for n in names)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "--find-links", str(wheels), "authstage"], check=True, timeout=600)
    return venv / "bin"


def _env() -> dict[str, str]:
    drop = {"PYTHONPATH", "DATABASE_URL", "PICCOLO_CONF", "AUTHSTAGE_SECRET", "AUTHSTAGE_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("VIRTUAL")}


def _run(bin_dir: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "authstage"), *argv],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_readme_example_runs_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "posts.py").write_text(PYTHON_BLOCK, encoding="utf-8")
    id_command = re.search(r"ID=\$\((authstage actions .*?)\)", SHELL_BLOCK).group(1)  # type: ignore[union-attr]
    curl = re.search(r"^curl .*?(?=^#)", SHELL_BLOCK, re.S | re.M).group(0)  # type: ignore[union-attr]
    expected = re.search(r"^# (\{.*\})$", SHELL_BLOCK, re.M).group(1)  # type: ignore[union-attr]
    body = shlex.split(curl.replace("\\\n", " "))[-1]
    run_command = re.search(r"`(authstage run [^`]*)`", EXAMPLE).group(1)  # type: ignore[union-attr]

    argv = [str(installed / "authstage"), *shlex.split(run_command)[1:]]
    with running(argv, tmp_path, _env()) as server:
        listed = _run(installed, tmp_path, *shlex.split(id_command)[1:])
        assert listed.returncode == 0, listed.stderr
        assert "using the development secret in" in listed.stderr
        action_id = listed.stdout.strip()
        response = httpx.post(
            f"http://127.0.0.1:{server.port}/_action",
            headers={"Authstage-Action": action_id, "Content-Type": "application/json"},
            content=body,
        )
        assert response.text == expected
    assert server.returncode == 0 and "Traceback" not in server.stderr, server.stderr
    made = sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__")
    assert made == [".authstage-secret", "posts.py"]  # no database: the app has no tables
    nothing = _run(installed, tmp_path, "migrate", "--app", "posts:app")
    assert nothing.returncode == 0 and "nothing to migrate" in nothing.stderr


ARGS = ["--email", "a@example.com", "--name", "A"]
AUTH_APP = """\
from litestar import Litestar

from authstage import AuthstagePlugin
from authstage.auth import AuthConfig
from authstage.db import Database

database = Database()
app = Litestar(
    plugins=[AuthstagePlugin(actions=[], auth=AuthConfig())],
    on_startup=[database.startup],
    on_shutdown=[database.shutdown],
)
"""


def test_migrate_creates_the_auth_tables_from_the_package(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(AUTH_APP, encoding="utf-8")
    result = _run(installed, tmp_path, "migrate", "--app", "shop:app")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "authstage.sqlite") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        ran = [row[0] for row in connection.execute("SELECT app_name FROM migration")]
    assert {"authstage_user", "authstage_session"} <= tables
    assert ran == ["auth"]
    created = subprocess.run(
        [str(installed / "authstage"), "createuser", "--password-stdin", *ARGS],
        cwd=tmp_path,
        env=_env(),
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created user a@example.com")
