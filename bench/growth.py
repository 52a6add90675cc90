"""Benchmark: how a call's cost grows with connections, request size and batching, in one run.

    .venv/bin/python -m bench.growth [--seconds 5] [--rounds 3] [--json PATH] [--no-auth]

Three measurements, each side by side, started and checked the way ``bench.run`` starts its
peers (one uvicorn process per app pinned to CPU 0, ``wrk`` pinned to CPU 1):

- **connections**: the no-op action, the Litestar ``@post`` route and the signed-in action at
  1, 16, 64 and 256 ``wrk`` connections: throughput and p99;
- **request size**: a contact import of 100 B to 1 MB as an action and as a ``@post`` route
  taking the same msgspec Struct: req/s, and the µs each KB of body adds (growth_peers.py);
- **batch**: 10 ``add`` calls in one batch request vs 10 separate calls of the same action on
  the same server, at one connection and at the run's (64): calls per second (target >= 3x,
  judged at the run's connections).

Every round measures every point, in an order rotated from round to round (the points of one
comparison back to back); ratios are taken within a round and the median over rounds is
reported. Results go to ``bench/results/growth.json``; ``bench.growth_report`` renders them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import msgspec

from bench.growth_peers import (
    SIZE_PEERS,
    batch_gain,
    batch_peer,
    connection_peers,
    size_peer,
    slopes,
    variant,
)
from bench.harness import RESULTS, Server, Settings, machine, standalone_settings
from bench.peers import Comparison, Peer, Ratio
from bench.processes import (
    UVICORN_OPTIONS,
    post_once,
    prepare_database,
    prepare_session,
    start_server,
    stop_server,
)
from bench.stats import compare
from bench.wrk import wrk

__all__ = ["main", "run"]

LEVELS = (1, 16, 64, 256)
SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
OUTPUT = RESULTS / "growth.json"


@dataclass(frozen=True)
class Point:
    """One measured point: a peer in a group (a connection level, a size, the batch)."""

    group: str
    key: str
    server: Server
    connections: int


def _verify(server: Server) -> None:
    """One request with the variant's own body; its reply must pass the peer's check."""
    status, body = post_once(server, timeout=60)
    if not server.peer.check(status, body):
        raise RuntimeError(f"{server.peer.key}: unexpected reply {status} {body[:300]!r}")


def _rotated(items: list[Any], shift: int) -> list[Any]:
    shift %= len(items)
    return items[shift:] + items[:shift]


def _measure(groups: list[list[Point]], settings: Settings) -> dict[str, dict[str, list[Any]]]:
    """Every point of every group, ``settings.rounds`` times; groups and points rotated."""
    runs: dict[str, dict[str, list[Any]]] = {}
    for rnd in range(settings.rounds):
        for group in _rotated(groups, rnd):
            for point in _rotated(group, rnd):
                driven = replace(settings, connections=point.connections)
                result = wrk(point.server, settings.duration, driven)
                result["round"] = rnd + 1
                runs.setdefault(point.group, {}).setdefault(point.key, []).append(result)
                errors = sum(result["errors"].values())
                print(
                    f"round {rnd + 1}/{settings.rounds} {point.group:<14} {point.key:<18} "
                    f"{result['rps']:>9.0f} req/s  p99 {result['p99_ms']:.2f} ms"
                    + (f"  ERRORS {errors}" if errors else ""),
                    flush=True,
                )
    return runs


def _peer_info(peer: Peer) -> dict[str, str]:
    return {"label": peer.label, "description": peer.description, "path": peer.path}


@dataclass
class _Plan:
    """The started servers (to stop), the wrk scripts (to warm up) and the measured groups."""

    servers: dict[str, Server] = field(default_factory=dict)
    scripts: list[Server] = field(default_factory=list)
    groups: list[list[Point]] = field(default_factory=list)
    peers: dict[str, dict[str, str]] = field(default_factory=dict)
    lengths: dict[int, int] = field(default_factory=dict)
    contacts: dict[int, int] = field(default_factory=dict)


def _start(plan: _Plan, base: dict[str, Peer], settings: Settings, calls: int, tmp: Path) -> None:
    """Start every server and variant, check each with one request, lay out the groups."""
    for key, peer in base.items():
        print(f"starting {key} ...", flush=True)
        plan.servers[key] = start_server(peer, settings, tmp)
        plan.peers[key] = _peer_info(peer)
    sized: dict[int, dict[str, Server]] = {size: {} for size in SIZES}
    for key in SIZE_PEERS:
        print(f"starting {key} ...", flush=True)
        first, plan.lengths[SIZES[0]], plan.contacts[SIZES[0]] = size_peer(key, SIZES[0])
        sized[SIZES[0]][key] = plan.servers[key] = start_server(first, settings, tmp)
        plan.peers[key] = _peer_info(replace(first, key=key))
        for size in SIZES[1:]:
            peer, plan.lengths[size], plan.contacts[size] = size_peer(key, size)
            sized[size][key] = variant(plan.servers[key], peer, plan.servers[key].headers, tmp)
            _verify(sized[size][key])
    single = plan.servers["noop_authstage"]
    batch = variant(single, *batch_peer(single, calls), tmp)
    _verify(batch)
    plan.peers["batch"] = _peer_info(batch.peer)
    plan.scripts = [*plan.servers.values(), *(v for s in SIZES[1:] for v in sized[s].values())]
    plan.scripts.append(batch)
    c = settings.connections
    plan.groups = [[Point(f"connections {n}", k, plan.servers[k], n) for k in base] for n in LEVELS]
    plan.groups += [[Point(f"size {s}", k, sized[s][k], c) for k in SIZE_PEERS] for s in SIZES]
    for n in _batch_levels(settings):
        plan.groups.append(
            [Point(f"batch {n}", k, srv, n) for k, srv in (("batch", batch), ("single", single))]
        )


def _connections(runs: dict[str, dict[str, list[Any]]], base: list[str]) -> dict[str, Any]:
    ratios = [Ratio("noop_authstage", "noop_post")]
    if "auth_authstage" in base:
        ratios.append(Ratio("auth_authstage", "noop_authstage"))
    by_level = []
    for n in LEVELS:
        comp = Comparison(f"connections_{n}", f"{n} connections", tuple(base), tuple(ratios))
        by_level.append({"connections": n, **compare(comp, runs[f"connections {n}"])})
    return {"levels": list(LEVELS), "peers": base, "comparisons": by_level}


def _sizes(runs: dict[str, dict[str, list[Any]]], plan: _Plan) -> dict[str, Any]:
    lengths = plan.lengths
    subject, baseline = SIZE_PEERS
    by_size = []
    for s in SIZES:
        comp = Comparison(f"size_{s}", f"{lengths[s]:,} B", SIZE_PEERS, (Ratio(subject, baseline),))
        size = {"target_bytes": s, "bytes": lengths[s], "contacts": plan.contacts[s]}
        by_size.append({**size, **compare(comp, runs[f"size {s}"])})
    size_runs = [runs[f"size {s}"] for s in SIZES]
    return {
        "peers": list(SIZE_PEERS),
        "comparisons": by_size,
        "slopes": slopes([lengths[s] for s in SIZES], size_runs, subject, baseline),
    }


def _batch_levels(settings: Settings) -> list[int]:
    """The batch's connection levels: one (a lone client) and the run's own."""
    return sorted({1, settings.connections})


def _batches(
    runs: dict[str, dict[str, list[Any]]], settings: Settings, calls: int
) -> dict[str, Any]:
    by_level = []
    for n in _batch_levels(settings):
        comp = Comparison(f"batch_{n}", f"{n} connections", ("batch", "single"), ())
        group = runs[f"batch {n}"]
        gain = batch_gain(group["batch"], group["single"], calls)
        by_level.append({"connections": n, **compare(comp, group), "gain": gain})
    headline = next(b for b in by_level if b["connections"] == settings.connections)
    return {
        "calls": calls,
        "connections": settings.connections,
        "gain": headline["gain"],
        "levels": by_level,
    }


def run(settings: Settings, auth: bool, calls: int) -> dict[str, Any]:
    """Start the servers, warm them up, measure the rounds; the results document."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    pg_version = None
    if auth:
        pg_version = prepare_database()
        prepare_session()
    base = connection_peers(auth)
    plan = _Plan()
    with tempfile.TemporaryDirectory(prefix="authstage-bench-growth-") as tmp:
        try:
            _start(plan, base, settings, calls, Path(tmp))
            print("warming up ...", flush=True)
            for script in plan.scripts:
                wrk(script, settings.warmup, settings)
            runs = _measure(plan.groups, settings)
        finally:
            for server in plan.servers.values():
                stop_server(server)
    return {
        "generated_by": "python -m bench.growth (bench/growth.py); do not edit",
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "settings": {
            "seconds": settings.duration,
            "warmup_s": settings.warmup,
            "rounds": settings.rounds,
            "connections": settings.connections,
            "threads": settings.threads,
            "pinned": settings.pin,
            "uvicorn": UVICORN_OPTIONS,
        },
        "machine": {**machine(pg_version), "loadavg_end": list(os.getloadavg())},
        "peers": plan.peers,
        "connections": _connections(runs, list(base)),
        "sizes": {"connections": settings.connections, **_sizes(runs, plan)},
        "batch": _batches(runs, settings, calls),
    }


def _print(result: dict[str, Any]) -> None:
    for comp in result["connections"]["comparisons"]:
        for ratio in comp["ratios"]:
            print(
                f"{comp['connections']:>4} connections: {ratio['subject']} / "
                f"{ratio['baseline']} {ratio['median']:.2f}x"
            )
    for step in result["sizes"]["slopes"]:
        us = step["us_per_kb"]
        print(
            f"{step['from_bytes']:>8} -> {step['to_bytes']:>8} B: "
            + "  ".join(f"{k} {v:.2f} us/KB" for k, v in us.items())
        )
    for level in result["batch"]["levels"]:
        gain = level["gain"]
        verdict = "met" if gain["met"] else "NOT met"
        print(
            f"batch of {gain['calls']}, {level['connections']} connections: "
            f"{gain['median']:.2f}x the calls/s ({verdict})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds per measured run (5)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per script (3)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (3)")
    parser.add_argument(
        "--connections", type=int, default=64, help="wrk connections of the size and batch runs"
    )
    parser.add_argument("--calls", type=int, default=10, help="calls per batch (10)")
    parser.add_argument("--no-auth", action="store_true", help="leave out the signed-in action")
    parser.add_argument("--no-pin", action="store_true", help="do not pin server/wrk to CPUs")
    parser.add_argument("--json", type=Path, default=OUTPUT, help="results (bench/results/...)")
    args = parser.parse_args(argv)
    settings = standalone_settings(args)
    result = run(settings, auth=not args.no_auth, calls=args.calls)
    print()
    _print(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
