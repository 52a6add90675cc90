"""Benchmark: a signed-in action with the session cache vs without, in one run.

    .venv/bin/python -m bench.sessions [--seconds 5] [--rounds 3] [--connections 64] [--json PATH]

Four uvicorn servers, started and checked the way ``bench.run`` starts its peers, all sharing
the bench user's one session (created first, its token in ``BENCH_SESSION_TOKEN``):

- ``auth_authstage``: the signed-in ``whoami`` action, ``AuthConfig()``'s defaults, so the
  session cache is on and its channel is LISTEN/NOTIFY on the bench database;
- ``auth_uncached``: the same action with ``session_cache_size=0`` (one query per call);
- ``auth_post``: a hand-written Litestar route doing the session query itself;
- ``noop_authstage``: the no-op action, the ceiling.

Each round measures the four back to back with ``wrk``, in an order rotated from round to round;
ratios are taken within each round and the median over rounds is printed, with the targets of
issue 11 (signed-in >= 3x the hand-written route and >= 0.6x the no-op). The full benchmark
(``bench.run``) remains the one that writes docs/benchmarks.md; this one only prints (and
writes ``--json`` when asked).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from bench.harness import Server, Settings
from bench.peers import PEERS, Comparison, Ratio, Target
from bench.processes import prepare_database, prepare_session, start_server, stop_server
from bench.stats import compare
from bench.wrk import wrk

__all__ = ["COMPARISON", "main"]

UNCACHED = replace(
    PEERS["auth_authstage"],
    key="auth_uncached",
    label="authstage action, signed in, no session cache",
    module="bench.servers.auth_uncached",
    description="the same action with `AuthConfig(session_cache_size=0)`",
)
PEERS_USED = {
    **{key: PEERS[key] for key in ("auth_authstage", "auth_post", "noop_authstage")},
    UNCACHED.key: UNCACHED,
}

COMPARISON = Comparison(
    key="sessions",
    title="Signed in: session cache vs a query per call",
    peers=("auth_authstage", "auth_uncached", "auth_post", "noop_authstage"),
    ratios=(
        Ratio("auth_authstage", "auth_uncached"),
        Ratio("auth_authstage", "auth_post", Target(low=3.0, text=">= 3x the hand-written route")),
        Ratio("auth_authstage", "noop_authstage", Target(low=0.6, text=">= 0.6x the no-op")),
    ),
    summary="The same `whoami` action with and without the session cache, against the "
    "hand-written route that reads the session from PostgreSQL and the no-op action.",
)


def run(settings: Settings) -> dict[str, Any]:
    """Start the servers, warm them up, measure the rounds; the comparison's results."""
    prepare_database()
    prepare_session()
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in COMPARISON.peers}
    servers: dict[str, Server] = {}
    with tempfile.TemporaryDirectory(prefix="authstage-bench-sessions-") as tmp:
        try:
            for key in COMPARISON.peers:
                print(f"starting {key} ...", flush=True)
                servers[key] = start_server(PEERS_USED[key], settings, Path(tmp))
            for key in COMPARISON.peers:
                wrk(servers[key], settings.warmup, settings)
            for rnd in range(settings.rounds):
                order = list(COMPARISON.peers)
                shift = rnd % len(order)
                for key in order[shift:] + order[:shift]:
                    result = wrk(servers[key], settings.duration, settings)
                    result["round"] = rnd + 1
                    runs[key].append(result)
                    errors = sum(result["errors"].values())
                    print(
                        f"round {rnd + 1}/{settings.rounds} {key:<16} {result['rps']:>9.0f} req/s"
                        f"  p99 {result['p99_ms']:.2f} ms"
                        + (f"  ERRORS {errors}" if errors else ""),
                        flush=True,
                    )
        finally:
            for server in servers.values():
                stop_server(server)
    return compare(COMPARISON, runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds per measured run (5)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per peer (3)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (3)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin server/wrk to CPUs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    settings = Settings(
        duration=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        threads=1,
        rounds=args.rounds,
        timeout=10,
        pin=not args.no_pin,
        quick=False,
    )
    os.environ.setdefault("AUTHSTAGE_ENV", "development")
    result = run(settings)
    print()
    for key in COMPARISON.peers:
        print(f"{key:<16} median {result['results'][key]['summary']['rps']:>9.0f} req/s")
    for ratio in result["ratios"]:
        target = ratio["target"]
        verdict = (
            ""
            if target is None
            else f"  ({target['text']}: {'met' if ratio['met'] else 'NOT met'})"
        )
        print(f"{ratio['subject']} / {ratio['baseline']}: {ratio['median']:.2f}x{verdict}")
    if args.json is not None:
        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
