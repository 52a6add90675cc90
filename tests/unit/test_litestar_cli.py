"""``litestar authstage ...`` and ``litestar run``: the plugin's CLI on the app Litestar finds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.live_server import ROOT, SECRET, free_port, server_environment, wait_until_serving

LITESTAR = str(Path(sys.executable).with_name("litestar"))
FACTORY = ["--app", "actions.app:create_app"]

APP_PY = """
from litestar import Litestar

from authstage import AuthstagePlugin, action


@action(public=True)
async def ping() -> str:
    return "pong"


app = Litestar(plugins=[AuthstagePlugin(actions=[ping])])
"""


def _run(args: list[str], cwd: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = server_environment(database_url, SECRET)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_litestar_authstage_actions_prints_the_ids_authstage_prints(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    name = ["actions", "--id", "actions.demo.add"]
    via_litestar = _run([LITESTAR, *FACTORY, "authstage", *name], ROOT, database_url)
    direct = _run([sys.executable, "-m", "authstage.cli", *name], ROOT, database_url)
    assert via_litestar.returncode == 0, via_litestar.stderr
    assert via_litestar.stdout.split() == direct.stdout.split()
    assert len(via_litestar.stdout.strip()) == 42


def test_litestar_authstage_forwards_errors_and_help(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    bad = _run([LITESTAR, *FACTORY, "authstage", "actions", "--bogus"], ROOT, database_url)
    assert bad.returncode == 2
    assert "--bogus" in bad.stderr
    helped = _run([LITESTAR, *FACTORY, "authstage", "--help"], ROOT, database_url)
    assert helped.returncode == 0
    for command in ("actions", "codegen", "migrate", "createuser"):
        assert command in helped.stdout


def test_litestar_authstage_works_on_an_autodiscovered_app(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP_PY)
    listed = _run([LITESTAR, "authstage", "actions"], tmp_path, f"sqlite:///{tmp_path / 'db'}")
    assert listed.returncode == 0, listed.stderr
    assert "app.ping" in listed.stdout


def test_litestar_run_serves_the_actions(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    listed = _run(
        [LITESTAR, *FACTORY, "authstage", "actions", "--id", "actions.demo.add"], ROOT, database_url
    )
    action_id = listed.stdout.strip()
    port = free_port()
    log = tmp_path / "server.log"
    command = [LITESTAR, *FACTORY, "run", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env=server_environment(database_url, SECRET), stdout=out, stderr=out
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, server, log)
        response = httpx.post(
            f"{url}/_action", headers={"authstage-action": action_id}, json={"a": 1, "b": 2}
        )
        assert response.json() == {"ok": True, "data": 3}
    finally:
        server.terminate()
        server.wait(timeout=10)
