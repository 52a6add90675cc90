"""Benchmark: an update with single-flight refresh vs the update followed by a second request.

    .venv/bin/python -m bench.refresh [--updates 300] [--rounds 3] [--json PATH]

A page shows a read (the 20 newest rows of a PostgreSQL table) and posts a write (insert one
row, ``revalidate_tag("rows")``). One *update* is what the page does to show the write's effect:

- **single flight**: one ``POST /_action`` for the write, with the read in ``Authstage-Refresh``;
  the reply carries the write's result and the read's fresh rows;
- **two requests**: the same write, then a second ``POST /_action`` for the read once the
  write's reply arrived (what a client without single-flight refresh does on revalidation).

Both run against one uvicorn process on 127.0.0.1 (the options every bench peer uses), over
one keep-alive connection, one update at a time, so the figure is the latency a user waits
for. Each round measures ``updates`` updates of each variant, alternating which goes first;
every reply is checked (the refreshed rows are the newest, with the new row first). Latency
figures are over all rounds; the ratio is taken per round and its median reported. The
database is a fresh one on ``BENCH_POSTGRES``, dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from authstage.ids import action_id
from bench.harness import HOST, ROOT
from bench.processes import UVICORN_OPTIONS, free_port, wait_until_serving
from bench.servers.common import SECRET

__all__ = ["main"]

ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
WRITE = action_id("bench.add_row", SECRET.encode())
READ = action_id("bench.latest_rows", SECRET.encode())
REFRESH = msgspec.json.encode([{"action": READ, "args": {}}]).decode()
_JSON = {"content-type": "application/json"}


def _admin(sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(ADMIN, timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


def _post(conn: http.client.HTTPConnection, headers: dict[str, str], body: bytes) -> Any:
    conn.request("POST", "/_action", body=body, headers={**_JSON, **headers})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"unexpected reply {response.status}: {data[:300]!r}")
    return msgspec.json.decode(data)


def single_flight(conn: http.client.HTTPConnection, value: int) -> None:
    """One update: the write with its read refreshed in the same reply."""
    body = msgspec.json.encode({"name": "bench", "value": value})
    reply = _post(conn, {"authstage-action": WRITE, "authstage-refresh": REFRESH}, body)
    [entry] = reply["refresh"]
    if not entry["ok"] or entry["data"][0]["id"] != reply["data"]:
        raise RuntimeError(f"the refreshed read is not fresh: {reply!r:.300}")


def two_requests(conn: http.client.HTTPConnection, value: int) -> None:
    """One update: the write, then the read in a request of its own."""
    body = msgspec.json.encode({"name": "bench", "value": value})
    written = _post(conn, {"authstage-action": WRITE}, body)
    rows = _post(conn, {"authstage-action": READ}, b"{}")
    if rows["data"][0]["id"] != written["data"]:
        raise RuntimeError(f"the read is not fresh: {rows!r:.300}")


Update = Callable[[http.client.HTTPConnection, int], None]
VARIANTS: dict[str, Update] = {
    "single_flight": single_flight,
    "two_requests": two_requests,
}


def _latencies(
    conn: http.client.HTTPConnection, update: Callable[..., None], n: int
) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter_ns()
        update(conn, i)
        out.append((time.perf_counter_ns() - started) / 1e6)
    return out


def _start(dsn: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.servers.refresh_authstage:create_app",
    ]
    argv += ["--host", HOST, "--port", str(port), *UVICORN_OPTIONS]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DATABASE_URL": dsn}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env)
    wait_until_serving(proc, port)
    return proc, port


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean_ms": statistics.fmean(ordered),
        "p50_ms": statistics.median(ordered),
        "p90_ms": ordered[int(len(ordered) * 0.9) - 1],
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1],
    }


def run(updates: int, rounds: int, warmup: int) -> dict[str, Any]:
    """Latency per update of each variant, and the per-round ratio of their medians."""
    name = f"authstage_bench_refresh_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    dsn = urlsplit(ADMIN)._replace(path=f"/{name}").geturl()
    proc, port = _start(dsn)
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        for update in VARIANTS.values():
            _latencies(conn, update, warmup)
        samples: dict[str, list[float]] = {key: [] for key in VARIANTS}
        ratios = []
        for index in range(rounds):
            order = list(VARIANTS) if index % 2 == 0 else list(reversed(VARIANTS))
            medians = {}
            for key in order:
                got = _latencies(conn, VARIANTS[key], updates)
                samples[key] += got
                medians[key] = statistics.median(got)
            ratios.append(medians["two_requests"] / medians["single_flight"])
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    figures: dict[str, Any] = {key: _stats(values) for key, values in samples.items()}
    figures["two_requests_over_single_flight"] = statistics.median(ratios)
    figures["ratios_per_round"] = ratios
    return figures


def main() -> None:
    """Measure both variants and print their latency per update."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300, help="updates per variant per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", help="also write the figures here (bench/results/refresh.json)")
    args = parser.parse_args()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    figures = run(args.updates, args.rounds, args.warmup)
    if args.json:
        document = {"started": started, **figures, **vars(args)}
        Path(args.json).write_bytes(msgspec.json.format(msgspec.json.encode(document)) + b"\n")
    print(f"{'update':<16} {'mean ms':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for key in VARIANTS:
        row = figures[key]
        print(
            f"{key:<16} {row['mean_ms']:>8.2f} {row['p50_ms']:>8.2f} "
            f"{row['p90_ms']:>8.2f} {row['p99_ms']:>8.2f}"
        )
    ratio = figures["two_requests_over_single_flight"]
    print(f"two requests take {ratio:.2f}x the single-flight update (median of rounds)")


if __name__ == "__main__":
    main()
