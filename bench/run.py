"""Run the benchmark: every peer in its own server process, driven by ``wrk``, side by side.

    .venv/bin/python -m bench.run            # full run: results/latest.json + docs/benchmarks.md
    .venv/bin/python -m bench.run --quick    # smoke run: results/quick.json, docs untouched

Code generation for 1,000 actions is timed first (``bench.codegen``, in its own process, before
any server runs). Then all servers start (the Python peers with the same uvicorn options, one
worker each; the Next.js peers under ``next start``, built first when needed), each is checked
with one real request and warmed up; then, in every round, each comparison measures its peers
back to back in an order rotated from round to round, so drift on a noisy machine hits all peers
alike. Ratios are taken within a round (peers measured minutes apart are never divided) and the
median over rounds is reported.

This module is the run and its command line; the harness is beside it: ``processes`` (servers,
database, code generation, py-spy), ``wrk`` (driving the load generator), ``stats`` (medians and
ratios) and ``harness`` (the settings and paths they share).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from bench.harness import HOST, RESULTS, Server, Settings, machine
from bench.nextjs_server import missing_tools
from bench.peers import COMPARISONS, PEERS
from bench.processes import (
    UVICORN_OPTIONS,
    codegen,
    prepare_database,
    prepare_session,
    start_profiler,
    start_server,
    stop_profiler,
    stop_server,
)
from bench.rivals import RIVAL_PEERS
from bench.stats import compare
from bench.wrk import wrk

__all__ = ["main"]

#: The ``--only`` group timing code generation (the others are comparisons).
CODEGEN = "codegen"
ALL_GROUPS = [*(c.key for c in COMPARISONS), CODEGEN]


def _print_table(results: dict[str, Any]) -> None:
    peers = results["peers"]
    print()
    gen = results.get("codegen")
    if gen is not None:
        verdict = "target met" if gen["met"] else "TARGET MISSED"
        print(
            f"== codegen, {gen['actions']} actions: {gen['generate_s']:.2f} s "
            f"(registration {gen['register_s']:.2f} s) (target < {gen['target_s']:g} s) {verdict}"
        )
        print()
    for comp in results["comparisons"]:
        print(f"== {comp['title']}")
        print(f"   {'peer':<42} {'req/s':>9} {'min':>9} {'max':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for key in comp["peers"]:
            s = comp["results"][key]["summary"]
            print(
                f"   {peers[key]['label']:<42} {s['rps']:>9.0f} {s['rps_min']:>9.0f} "
                f"{s['rps_max']:>9.0f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f}"
            )
        for r in comp["ratios"]:
            verdict = (
                "" if r["met"] is None else ("  target met" if r["met"] else "  TARGET MISSED")
            )
            target = f" (target {r['target']['text']})" if r["target"] else ""
            rounds = ", ".join(f"{x:.2f}" for x in r["per_round"])
            print(
                f"   RATIO {r['subject']} / {r['baseline']}: {r['median']:.3f}x "
                f"[rounds: {rounds}]{target}{verdict}"
            )
        print()


def _measure(server: Server, settings: Settings, label: str, profile: set[str]) -> dict[str, Any]:
    """One measured wrk run (py-spy attached when the peer is in ``profile``)."""
    key = server.peer.key
    if server.peer.inserts:
        prepare_database(truncate=True)
    spy = start_profiler(server, settings) if key in profile else None
    result = wrk(server, settings.duration, settings)
    if spy is not None:
        stop_profiler(spy)
        profile.discard(key)
    errors = sum(result["errors"].values())
    print(
        f"{label} {key:<16} {result['rps']:>9.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
        f"p99 {result['p99_ms']:.2f} ms" + (f"  ERRORS {errors}" if errors else ""),
        flush=True,
    )
    return result


def run(settings: Settings, groups: list[str], profile: set[str]) -> dict[str, Any]:
    """Time code generation, start the servers, warm them up, measure every round; the results
    document.

    In every round each comparison measures its peers back to back, in an order rotated from
    round to round; a peer in two comparisons (the 1-action app) is measured in each.
    """
    comparisons = [c for c in COMPARISONS if c.key in groups]
    keys = list(dict.fromkeys(k for c in comparisons for k in c.peers))
    uses_db = any(PEERS[k].uses_db for k in keys)
    started = dt.datetime.now(dt.UTC)
    pg_version = prepare_database() if uses_db else None
    if any(PEERS[k].signed_in for k in keys):
        prepare_session()
    host = machine(pg_version)
    generated = codegen(settings) if CODEGEN in groups else None
    servers: dict[str, Server] = {}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        c.key: {k: [] for k in c.peers} for c in comparisons
    }
    with tempfile.TemporaryDirectory(prefix="authstage-bench-") as tmp:
        try:
            for key in keys:
                print(f"starting {key} ...", flush=True)
                servers[key] = start_server(PEERS[key], settings, Path(tmp))
            for key in keys:
                print(f"warm-up {key} ({settings.warmup}s)", flush=True)
                if PEERS[key].inserts:
                    prepare_database(truncate=True)
                wrk(servers[key], settings.warmup, settings)
            for rnd in range(settings.rounds):
                for comp in comparisons:
                    order = list(comp.peers)
                    shift = rnd % len(order)
                    for key in order[shift:] + order[:shift]:
                        label = f"round {rnd + 1}/{settings.rounds} {comp.key:<8}"
                        result = _measure(servers[key], settings, label, profile)
                        result["round"] = rnd + 1
                        runs[comp.key][key].append(result)
        finally:
            for server in servers.values():
                stop_server(server)
    host["loadavg_end"] = list(os.getloadavg())
    peers: dict[str, dict[str, Any]] = {}
    for key in keys:
        peer, server = PEERS[key], servers[key]
        peer_runs = [r for comp_runs in runs.values() for r in comp_runs.get(key, [])]
        peers[key] = {
            "label": peer.label,
            "module": peer.module,
            "server": server.serving,
            "description": peer.description,
            "path": peer.path,
            "body": peer.body.decode(),
            "headers": sorted(server.headers),
            "actions_registered": server.actions,
            "errors": sum(sum(r["errors"].values()) for r in peer_runs),
        }
    from bench.servers.common import POOL_SIZE

    return {
        "schema": 3,
        "quick": settings.quick,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "settings": {
            "wrk": {
                "threads": settings.threads,
                "connections": settings.connections,
                "duration_s": settings.duration,
                "warmup_s": settings.warmup,
                "timeout_s": settings.timeout,
            },
            "rounds": settings.rounds,
            "uvicorn": [
                *("--factory", "<module>:create_app", "--host", HOST, "--port", "<free>"),
                *UVICORN_OPTIONS,
            ],
            "pinning": {"server_cpu": 0, "wrk_cpu": 1} if settings.pin else None,
            "pool_size": POOL_SIZE,
        },
        "machine": host,
        "peers": peers,
        "codegen": generated,
        "comparisons": [compare(c, runs[c.key]) for c in comparisons],
    }


# --------------------------------------------------------------------------------------------
# profiling (optional, needs py-spy)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 2 s")
    parser.add_argument("--duration", type=int, help="seconds per measured run (default 6)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per peer (default 4)")
    parser.add_argument("--rounds", type=int, help="measured rounds (default 5)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument(
        "--only",
        default=",".join(ALL_GROUPS),
        help=f"what to run, comma-separated: {', '.join(ALL_GROUPS)} (default: all)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin server/wrk to CPUs")
    parser.add_argument(
        "--profile",
        metavar="PEERS",
        default="",
        help="record these peers' servers (comma-separated) with py-spy in round 1",
    )
    parser.add_argument("--output", type=Path, help="results JSON (default results/latest.json)")
    parser.add_argument(
        "--no-docs", action="store_true", help="do not render docs/benchmarks.md and its chart"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install -y wrk)")
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = set(groups) - set(ALL_GROUPS)
    if unknown:
        parser.error(f"unknown comparison(s): {', '.join(sorted(unknown))}")
    selected = [k for c in COMPARISONS if c.key in groups for k in c.peers]
    if any(PEERS[k].runtime == "next" for k in selected):
        problem = missing_tools()
        if problem is not None:
            parser.error(f"{problem}; leave out the nextjs comparison with --only")
    profile = {p.strip() for p in args.profile.split(",") if p.strip()}
    if profile - set(PEERS):
        parser.error(f"unknown peer(s) {sorted(profile - set(PEERS))}: one of {', '.join(PEERS)}")
    settings = Settings(
        duration=args.duration or (2 if args.quick else 6),
        warmup=args.warmup or (1 if args.quick else 4),
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds or (1 if args.quick else 5),
        timeout=5,
        pin=not args.no_pin and (os.cpu_count() or 1) >= 2,
        quick=args.quick,
    )
    results = run(settings, groups, profile)
    _print_table(results)
    output = args.output or RESULTS / ("quick.json" if args.quick else "latest.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(msgspec.json.format(msgspec.json.encode(results), indent=2) + b"\n")
    print(f"results: {output}")
    if not args.quick and not args.no_docs and set(groups) == set(ALL_GROUPS):
        from bench.report import render

        for path in render(results):
            print(f"rendered: {path}")
    # A peer of another framework timing out under the load is its result (the page says so);
    # a failed request of ours or of a hand-written Litestar route fails the run.
    rivals = {p.key for p in RIVAL_PEERS}
    failed = {k: p["errors"] for k, p in results["peers"].items() if p["errors"]}
    for key, count in failed.items():
        print(f"{key}: {count} requests failed (see {output})", file=sys.stderr)
    return 1 if set(failed) - rivals else 0


if __name__ == "__main__":
    raise SystemExit(main())
