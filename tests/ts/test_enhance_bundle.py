"""The browser script's build: its TypeScript passes ``tsc --strict`` together with the client
runtime it is built on, the checked-in ``authstage/static/enhance.js`` is exactly what
``scripts/build-enhance`` writes (CI fails on drift: run ``make enhance``), and it stays small.

esbuild and the compiler come from ``npm ci --prefix tests/ts``; without them these tests are
skipped locally and fail in CI (tests/node_tools.py).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.node_tools import ROOT, esbuild, run, tsc

SHIPPED = ROOT / "authstage" / "static" / "enhance.js"
#: The size budget of the minified script (it loads on every page).
MAX_BYTES = 10_000


def test_the_script_passes_tsc_strict() -> None:
    run([*tsc(), "-p", str(ROOT / "authstage" / "browser" / "tsconfig.json")])


def test_the_checked_in_script_is_current(tmp_path: Path) -> None:
    esbuild()  # skip (fail in CI) when it is not installed
    rebuilt = tmp_path / "enhance.js"
    run([str(ROOT / "scripts" / "build-enhance"), str(rebuilt)])
    if rebuilt.read_bytes() != SHIPPED.read_bytes():
        pytest.fail(
            "authstage/static/enhance.js differs from its sources: run `make enhance`",
            pytrace=False,
        )


def test_the_script_is_small() -> None:
    body = SHIPPED.read_bytes()
    assert len(body) < MAX_BYTES, f"enhance.js is {len(body)} bytes"
    assert len(gzip.compress(body, 9)) < MAX_BYTES // 2
