"""Benchmark: which ASGI server ``authstage run`` should use, and what a second process buys.

    .venv/bin/python -m bench.serverchoice [--seconds 10] [--rounds 5] [--connections 64]
                                           [--no-pin] [--json bench/results/servers.json]

Two questions, measured side by side in one run with the same ``wrk`` load:

1. **Server**: the no-op action (``bench.servers.noop_authstage``) and a PostgreSQL insert
   (``bench.servers.db_authstage``) under uvicorn as ``authstage run`` configures it, granian's
   ASGI interface and ``litestar run``'s defaults (bench/serverchoice_servers.py). Each server
   process is pinned to CPU 0 and ``wrk`` to CPU 1 (``--no-pin`` to turn it off), as in
   ``bench.run``.
2. **Processes**: the same two actions under ``authstage run --workers 1`` and ``--workers 2``,
   neither pinned: two processes can only use both cores if nothing is pinned, so ``wrk``
   shares the two cores with them (and, for the insert, with PostgreSQL). The ratio says what
   a second process gains *on this machine with the load generator on it*, not on a host
   whose cores serve only the app.

Every server is started first; each round then measures every comparison's peers back to back,
in an order rotated from round to round; ratios are taken within a round and the median over
rounds is reported (bench/stats.py). The insert peers write to their own database
(``BENCH_DATABASE_URL``, default ``authstage_bench_servers``), emptied at the start.
``bench/serverchoice_report.py`` renders the JSON into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from bench.harness import RESULTS, Server, Settings, machine, standalone_settings
from bench.peers import PEERS, Comparison, Ratio
from bench.processes import prepare_database, stop_server
from bench.serverchoice_servers import VARIANTS, start_variant
from bench.stats import compare
from bench.wrk import wrk

__all__ = ["COMPARISONS", "main", "run"]

#: This benchmark's own database (bench.servers.common reads it when first imported: in run).
DATABASE = "postgresql://postgres@127.0.0.1:5432/authstage_bench_servers"

#: The two actions, by the short name the keys use (``<variant>:<action>``).
ACTIONS = {"noop": PEERS["noop_authstage"], "db": PEERS["db_authstage"]}


def _servers(action: str) -> Comparison:
    keys = (f"granian:{action}", f"litestar:{action}", f"uvicorn:{action}")
    return Comparison(
        key=f"servers_{action}",
        title=f"Server: {ACTIONS[action].label}",
        peers=keys,
        ratios=(Ratio(keys[0], keys[2]), Ratio(keys[1], keys[2])),
        summary=f"{ACTIONS[action].description}, one process, pinned to one core.",
    )


def _workers(action: str) -> Comparison:
    keys = (f"workers2:{action}", f"workers1:{action}")
    return Comparison(
        key=f"workers_{action}",
        title=f"Processes: {ACTIONS[action].label}",
        peers=keys,
        ratios=(Ratio(keys[0], keys[1]),),
        summary=f"{ACTIONS[action].description}; nothing pinned, wrk on the same 2 cores.",
    )


COMPARISONS = (_servers("noop"), _servers("db"), _workers("noop"), _workers("db"))


def _settings_for(comp: Comparison, settings: Settings) -> Settings:
    return replace(settings, pin=False) if comp.key.startswith("workers") else settings


def run(settings: Settings) -> dict[str, Any]:
    """Start every server, warm each up, measure the rounds; the results as written to JSON."""
    os.environ.setdefault("BENCH_DATABASE_URL", DATABASE)
    pg_version = prepare_database(truncate=True)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    about = machine(pg_version)
    runs: dict[str, list[dict[str, Any]]] = {k: [] for c in COMPARISONS for k in c.peers}
    servers: dict[str, Server] = {}
    with tempfile.TemporaryDirectory(prefix="authstage-bench-servers-") as tmp:
        try:
            for comp in COMPARISONS:
                for key in comp.peers:
                    variant, action = key.split(":")
                    print(f"starting {key} ...", flush=True)
                    own = _settings_for(comp, settings)
                    servers[key] = start_variant(VARIANTS[variant], ACTIONS[action], own, Path(tmp))
            for comp in COMPARISONS:
                for key in comp.peers:
                    wrk(servers[key], settings.warmup, _settings_for(comp, settings))
            for rnd in range(settings.rounds):
                for comp in COMPARISONS:
                    shift = rnd % len(comp.peers)
                    for key in comp.peers[shift:] + comp.peers[:shift]:
                        result = wrk(servers[key], settings.duration, _settings_for(comp, settings))
                        result["round"] = rnd + 1
                        runs[key].append(result)
                        errors = sum(result["errors"].values())
                        print(
                            f"round {rnd + 1}/{settings.rounds} {key:<16} "
                            f"{result['rps']:>9.0f} req/s  p99 {result['p99_ms']:.2f} ms"
                            + (f"  ERRORS {errors}" if errors else ""),
                            flush=True,
                        )
        finally:
            for server in servers.values():
                stop_server(server)
    about["loadavg_end"] = list(os.getloadavg())
    return {
        "started": started,
        "machine": about,
        "settings": {
            "duration_s": settings.duration,
            "warmup_s": settings.warmup,
            "rounds": settings.rounds,
            "connections": settings.connections,
            "threads": settings.threads,
            "pinned": settings.pin,
        },
        "variants": {key: variant.label for key, variant in VARIANTS.items()},
        "actions": {key: peer.label for key, peer in ACTIONS.items()},
        "comparisons": [compare(comp, {k: runs[k] for k in comp.peers}) for comp in COMPARISONS],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6, help="seconds per measured run (6)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server (3)")
    parser.add_argument("--rounds", type=int, default=4, help="measured rounds (4)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--no-pin", action="store_true", help="pin nothing (servers question)")
    parser.add_argument("--json", type=Path, default=RESULTS / "servers.json", help="output")
    args = parser.parse_args(argv)
    settings = standalone_settings(args)
    result = run(settings)
    print()
    for comp in result["comparisons"]:
        for ratio in comp["ratios"]:
            print(f"{ratio['subject']} / {ratio['baseline']}: {ratio['median']:.2f}x")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2) + b"\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
