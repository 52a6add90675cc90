"""Node.js and the TypeScript compiler for the tests of the generated TypeScript client.

``npm ci --prefix tests/ts`` installs the compiler (``.ci/run`` and ``make test`` do it). When
node or the compiler is missing the TypeScript tests are skipped, except in CI, where a missing
tool fails them: a TypeScript suite that silently did not run is not a passing one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import in_ci

__all__ = ["NODE_MODULES", "ROOT", "TS_TESTS", "esbuild", "require_node", "run", "tsc"]

ROOT = Path(__file__).resolve().parent.parent
TS_TESTS = ROOT / "tests" / "ts"
NODE_MODULES = TS_TESTS / "node_modules"


def _missing(what: str) -> None:
    message = f"{what}: run `npm ci --prefix tests/ts` (needs Node.js 20+)"
    if in_ci():
        pytest.fail(f"{message}; CI requires the TypeScript suite", pytrace=False)
    pytest.skip(message)


def require_node() -> str:
    """The ``node`` executable, or skip (fail in CI)."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
    assert node is not None
    return node


def tsc() -> list[str]:
    """The command running the TypeScript compiler, or skip (fail in CI)."""
    node = require_node()
    compiler = NODE_MODULES / "typescript" / "bin" / "tsc"
    if not compiler.exists():
        _missing("the TypeScript compiler is not installed")
    return [node, str(compiler)]


def esbuild() -> list[str]:
    """The command running esbuild (a bundler, as a front end uses), or skip (fail in CI)."""
    binary = NODE_MODULES / ".bin" / "esbuild"
    if not binary.exists():
        _missing("esbuild is not installed")
    return [str(binary)]


def run(command: list[str], cwd: Path = ROOT, timeout: float = 300) -> str:
    """Run ``command``; its output, or a test failure showing it."""
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{output}", pytrace=False)
    return output
