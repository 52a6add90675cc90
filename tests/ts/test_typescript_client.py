"""The generated TypeScript client's suites, run from pytest so that ``make test`` and CI require
them: ``tsc --strict`` over the client and its tests, the client package building on its own,
and ``node --test`` calling a live server through the generated functions.

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
from tests.node_tools import ROOT, TS_TESTS, require_node, run, tsc

CLIENT = ROOT / "client" / "ts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("ts-live")) as live:
        yield live


def test_the_client_and_its_tests_pass_tsc_strict() -> None:
    run([*tsc(), "-p", str(TS_TESTS / "tsconfig.json"), "--noEmit"])


def test_the_client_package_builds_and_imports_by_its_name(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "authstage-client"
    package.mkdir(parents=True)
    for name in ("package.json", "tsconfig.json", "src"):
        source = CLIENT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, package / name)
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
