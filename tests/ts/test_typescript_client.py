"""The generated TypeScript client's suites, run from pytest so that ``make test`` and CI require
them: ``tsc --strict`` over the client and its tests, the client package building on its own,
esbuild bundling it straight from the checked-in sources (no build step, as docs/clients.md
says), and ``node --test`` calling a live server through the generated functions.

Node and the compiler come from ``npm ci --prefix tests/ts``; without them these tests are
skipped locally and fail in CI (tests/node_tools.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import LiveServer, serve
from tests.node_tools import ROOT, TS_TESTS, esbuild, require_node, run, tsc

CLIENT = ROOT / "client" / "ts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("ts-live")) as live:
        yield live


def test_the_client_and_its_tests_pass_tsc_strict() -> None:
    run([*tsc(), "-p", str(TS_TESTS / "tsconfig.json"), "--noEmit"])


def _install_checked_in_client(project: Path) -> Path:
    """``project/node_modules/authstage-client`` as a fresh clone has it: no ``dist``."""
    package = project / "node_modules" / "authstage-client"
    package.mkdir(parents=True)
    for name in ("package.json", "tsconfig.json", "src"):
        source = CLIENT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, package / name)
    return package


def test_the_client_package_builds_and_imports_by_its_name(tmp_path: Path) -> None:
    package = _install_checked_in_client(tmp_path)
    run([*tsc(), "-p", str(package / "tsconfig.json")])
    assert (package / "dist" / "index.d.ts").exists()
    probe = (
        'const m = await import("authstage-client");'
        "console.log(JSON.stringify([typeof m.createNote, typeof m.Client, m.CONTRACT]));"
    )
    out = run([require_node(), "--input-type=module", "-e", probe], cwd=tmp_path)
    kinds = json.loads(out.strip().splitlines()[-1])
    assert kinds[:2] == ["function", "function"]
    assert re.fullmatch(r"[0-9a-f]{32}", kinds[2])


BUNDLED_APP = """\
import { add, client, isActionError } from "authstage-client";

client.configure({ baseUrl: process.env.AUTHSTAGE_TEST_URL ?? "" });
const sum: number = await add(2, 40);
console.log(JSON.stringify({ sum, isActionError: typeof isActionError }));
"""


def test_a_bundler_imports_the_client_from_a_fresh_clone(
    tmp_path: Path, server: LiveServer
) -> None:
    package = _install_checked_in_client(tmp_path)
    (tmp_path / "main.ts").write_text(BUNDLED_APP, encoding="utf-8")
    config = {
        "compilerOptions": {
            "target": "ES2022",
            "module": "ESNext",
            "moduleResolution": "bundler",
            "strict": True,
            "noEmit": True,
            "lib": ["ES2022", "DOM"],
            "types": [],
        },
        "files": ["main.ts", "env.d.ts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "env.d.ts").write_text(
        "declare const process: { env: Record<string, string | undefined> };\n"
    )
    run([*tsc(), "-p", str(tmp_path / "tsconfig.json")])  # types resolve from the sources
    bundle = tmp_path / "out" / "app.mjs"
    run([*esbuild(), "main.ts", "--bundle", "--format=esm", f"--outfile={bundle}"], cwd=tmp_path)
    assert not (package / "dist").exists()
    done = subprocess.run(
        [require_node(), str(bundle)],
        env={**os.environ, "AUTHSTAGE_TEST_URL": server.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"sum": 42, "isActionError": "function"}


def test_the_node_suite_passes_against_a_live_server(server: LiveServer) -> None:
    build = TS_TESTS / ".build"
    shutil.rmtree(build, ignore_errors=True)
    run([*tsc(), "-p", str(TS_TESTS / "tsconfig.json")])
    tests = sorted(str(p) for p in (build / "tests" / "ts").glob("*.test.js"))
    assert len(tests) >= 2, tests
    done = subprocess.run(
        [require_node(), "--test", *tests],
        cwd=TS_TESTS,
        env={**os.environ, "AUTHSTAGE_TEST_URL": server.url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    counts = dict(re.findall(r"^# (pass|fail|skipped|todo) (\d+)$", output, re.M))
    assert done.returncode == 0 and counts.get("fail") == "0", output
    assert int(counts.get("pass", "0")) >= 20, output
    assert counts.get("skipped") == "0" and counts.get("todo") == "0", output
