"""Startup with 1,000 registered actions: import, define, build the app (target under 1 s).

    .venv/bin/python -m bench.startup [--actions 1000] [--rounds 7] [--json FILE]

Each round is a fresh interpreter (a warm one would hide the imports), which reports three
phases: importing Litestar and authstage; defining the actions (``bench.codegen.many_actions``:
each takes and returns a Struct of its own, the worst case for signature analysis); building
the app (``Litestar(plugins=[AuthstagePlugin(...)])``: registration, IDs, decoders, the
manifest). The interpreter's own start is measured apart (``python -c pass``), so "import plus
build" is what an app pays on top of Python. Medians of the rounds are reported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["TARGET_S", "main", "measure"]

#: The target for import plus app build, in seconds.
TARGET_S = 1.0
ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import sys, time
t0 = time.perf_counter()
from litestar import Litestar
from authstage import AuthstagePlugin
t1 = time.perf_counter()
from bench.codegen import many_actions
actions = many_actions({count})
t2 = time.perf_counter()
app = Litestar(plugins=[AuthstagePlugin(actions=actions, secret="startup-" * 8, production=False)])
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def _interpreter() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def measure(actions: int = 1000, rounds: int = 7) -> dict[str, Any]:
    """Median seconds of each phase over ``rounds`` fresh interpreters."""
    phases: dict[str, list[float]] = {"import": [], "define": [], "build": [], "python": []}
    for _ in range(rounds):
        phases["python"].append(_interpreter())
        out = subprocess.run(
            [sys.executable, "-c", _CHILD.format(count=actions)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for name, value in zip(("import", "define", "build"), out, strict=True):
            phases[name].append(float(value))
    median = {name: statistics.median(values) for name, values in phases.items()}
    total = median["import"] + median["build"]
    return {
        "actions": actions,
        "rounds": rounds,
        "median_s": median,
        "import_plus_build_s": total,
        "target_s": TARGET_S,
        "met": total < TARGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    """Print (or save) the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the result to this file")
    args = parser.parse_args(argv)
    result = measure(args.actions, args.rounds)
    if args.json:
        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result)) + b"\n")
    m = result["median_s"]
    print(
        f"{args.actions} actions: import {m['import']:.3f} s, define {m['define']:.3f} s, "
        f"build {m['build']:.3f} s; import + build {result['import_plus_build_s']:.3f} s "
        f"(target < {TARGET_S:g} s: {'met' if result['met'] else 'MISSED'}); "
        f"python itself {m['python']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
