"""Startup with 1,000 registered actions: import, define, build the app (target under 1 s).

    .venv/bin/python -m bench.startup [--actions 1000] [--rounds 7] [--json [FILE]]
                                      [--against CHECKOUT]

Each measurement is a fresh interpreter (a warm one would hide the imports), which reports its
phases: importing Litestar, then authstage (together: ``import``); defining the actions
(``bench.codegen.many_actions``: each takes and returns a Struct of its own, the worst case for
signature analysis, which ``@action`` does); building the app
(``Litestar(plugins=[AuthstagePlugin(...)])``: registration, IDs, the endpoint). The target is on
"import plus build", what an app pays on top of Python's own start (``python -c pass``,
measured apart) and of its own action modules. Also measured apart, as the floor: Litestar alone
(its import and an empty ``Litestar()``, whose default plugins import Pydantic when it is
installed, as Piccolo makes it).

``--against /work/main`` measures another checkout (its own ``.venv`` and ``bench.codegen``) in
the same run: each round measures both, back to back, in an order rotated per round; the ratio
of their import plus build is taken within the round and its median reported. ``--json`` writes
``bench/results/startup.json`` (or FILE), which ``startup_report.startup_section`` renders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from bench.stats import median

__all__ = ["RESULTS", "TARGET_S", "main", "measure"]

#: The target for import plus app build, in seconds.
TARGET_S = 1.0
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "startup.json"
#: The phases each checkout reports, in order (``import`` is the two imports together).
PHASES = ("python", "litestar", "import_litestar", "import_authstage", "define", "build")

_CHILD = """
import time
t0 = time.perf_counter()
from litestar import Litestar
t1 = time.perf_counter()
from authstage import AuthstagePlugin
t2 = time.perf_counter()
from bench.codegen import many_actions
actions = many_actions({count})
t3 = time.perf_counter()
app = Litestar(plugins=[AuthstagePlugin(actions=actions, secret="startup-" * 8, production=False)])
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""

_LITESTAR = """
import time
t0 = time.perf_counter()
from litestar import Litestar
app = Litestar()
print(time.perf_counter() - t0)
"""


def _seconds(python: str, cwd: Path, code: str) -> list[float]:
    """What ``code`` prints (seconds) when run by a fresh ``python`` in ``cwd``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(
        [python, "-c", code], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout
    return [float(value) for value in out.split()]


def _elapsed(python: str, cwd: Path) -> float:
    """Wall time of ``python -c pass``: the interpreter's own start."""
    start = time.perf_counter()
    subprocess.run([python, "-c", "pass"], cwd=cwd, check=True)
    return time.perf_counter() - start


def _round(python: str, cwd: Path, actions: int) -> dict[str, float]:
    """One measurement of every phase of one checkout, each in a fresh interpreter."""
    phases = {"python": _elapsed(python, cwd), "litestar": _seconds(python, cwd, _LITESTAR)[0]}
    names = ("import_litestar", "import_authstage", "define", "build")
    phases.update(zip(names, _seconds(python, cwd, _CHILD.format(count=actions)), strict=True))
    phases["import"] = phases["import_litestar"] + phases["import_authstage"]
    phases["import_plus_build"] = phases["import"] + phases["build"]
    return phases


def _summary(path: Path, rounds: list[dict[str, float]]) -> dict[str, Any]:
    medians = {name: median([r[name] for r in rounds]) for name in rounds[0]}
    total = medians["import_plus_build"]
    return {
        "path": str(path),
        "rounds": rounds,
        "median_s": medians,
        "import_plus_build_s": total,
        # What authstage adds to a Litestar app: import and build, less Litestar's own.
        "authstage_share_s": total - medians["litestar"],
        "met": total < TARGET_S,
    }


def measure(actions: int = 1000, rounds: int = 7, against: Path | None = None) -> dict[str, Any]:
    """Median seconds of each phase over ``rounds`` fresh interpreters; with ``against``, that
    checkout too, interleaved, and the per-round ratio of import plus build."""
    this = ROOT.name
    checkouts: dict[str, tuple[str, Path]] = {this: (sys.executable, ROOT)}
    if against is not None:
        other = against.name if against.name != this else f"{against.name} (other)"
        checkouts[other] = (str(against / ".venv" / "bin" / "python"), against)
    names = list(checkouts)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    load_start = list(os.getloadavg())
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            python, cwd = checkouts[name]
            runs[name].append(_round(python, cwd, actions))
    result: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "actions": actions,
        "rounds": rounds,
        "target_s": TARGET_S,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_start": load_start,
            "loadavg_end": list(os.getloadavg()),
        },
        "checkouts": {name: _summary(checkouts[name][1], runs[name]) for name in names},
    }
    if against is not None:
        other = names[1]
        per_round = [
            mine["import_plus_build"] / theirs["import_plus_build"]
            for mine, theirs in zip(runs[this], runs[other], strict=True)
        ]
        result["ratio"] = {"of": this, "over": other, "per_round": per_round}
        result["ratio"]["median"] = median(per_round)
    return result


def _line(name: str, summary: dict[str, Any]) -> str:
    m = summary["median_s"]
    verdict = "met" if summary["met"] else "MISSED"
    return (
        f"{name}: import {m['import']:.3f} s (Litestar {m['import_litestar']:.3f} + authstage "
        f"{m['import_authstage']:.3f}), define {m['define']:.3f} s, build {m['build']:.3f} s; "
        f"import + build {summary['import_plus_build_s']:.3f} s (target < {TARGET_S:g} s: "
        f"{verdict}); Litestar alone {m['litestar']:.3f} s, python itself {m['python']:.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Print (and save) the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another checkout to measure alongside")
    parser.add_argument(
        "--json", type=Path, nargs="?", const=RESULTS, help=f"write the result (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    result = measure(args.actions, args.rounds, args.against)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result)) + b"\n")
    load = result["machine"]["loadavg_start"]
    print(f"{args.actions} actions, {args.rounds} rounds, load average {load[0]:.2f} at the start")
    for name, summary in result["checkouts"].items():
        print(_line(name, summary))
    if "ratio" in result:
        ratio = result["ratio"]
        print(
            f"import + build, {ratio['of']} / {ratio['over']}: {ratio['median']:.2f}x "
            "(median of rounds)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
