"""Run the benchmark: every peer in its own uvicorn process, driven by ``wrk``, side by side.

    .venv/bin/python -m bench.run            # full run: results/latest.json + docs/benchmarks.md
    .venv/bin/python -m bench.run --quick    # smoke run: results/quick.json, docs untouched

Code generation for 1,000 actions is timed first (``bench.codegen``, in its own process, before
any server runs). Then all servers start (same uvicorn options, one worker each), each is checked
with one real request and warmed up; then, in every round, each comparison measures its peers
back to back in an order rotated from round to round, so drift on a noisy machine hits all peers
alike. Ratios are taken within a round (peers measured minutes apart are never divided) and the
median over rounds is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http.client
import importlib.metadata
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgspec

from bench.peers import COMPARISONS, PEERS, Comparison, Peer, action_headers

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
#: The ``--only`` group timing code generation (the others are comparisons).
CODEGEN = "codegen"
ALL_GROUPS = [*(c.key for c in COMPARISONS), CODEGEN]

#: Identical for every peer (the module and port are appended per peer).
UVICORN_OPTIONS = [
    "--workers",
    "1",
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--log-level",
    "warning",
    "--lifespan",
    "on",
]


@dataclass(frozen=True)
class Settings:
    """How each peer is driven."""

    duration: int
    warmup: int
    connections: int
    threads: int
    rounds: int
    timeout: int
    pin: bool
    quick: bool


@dataclass
class Server:
    """A running uvicorn process serving one peer."""

    peer: Peer
    port: int
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    log_path: Path
    lua: Path
    headers: dict[str, str]
    actions: int | None


# --------------------------------------------------------------------------------------------
# servers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _pinned(cpu: int, argv: list[str], settings: Settings) -> list[str]:
    if settings.pin and shutil.which("taskset"):
        return ["taskset", "--cpu-list", str(cpu), *argv]
    return argv


def _request(server: Server) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        conn.request("POST", server.peer.path, body=server.peer.body, headers=server.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT %d %d %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _write_lua(peer: Peer, headers: dict[str, str], directory: Path) -> Path:
    lines = ['wrk.method = "POST"', f"wrk.body = {_lua_string(peer.body.decode())}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    path = directory / f"{peer.key}.lua"
    path.write_text("\n".join(lines) + "\n" + _LUA_DONE)
    return path


def start_server(peer: Peer, settings: Settings, workdir: Path) -> Server:
    """Start ``peer`` under uvicorn; returns once it answered one correct request."""
    headers, actions = action_headers(peer)
    port = _free_port()
    log_path = workdir / f"{peer.key}.log"
    log = log_path.open("wb")
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"{peer.module}:create_app",
        "--host",
        HOST,
        "--port",
        str(port),
        *UVICORN_OPTIONS,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        _pinned(0, argv, settings), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(
        peer, port, proc, log, log_path, _write_lua(peer, headers, workdir), headers, actions
    )
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{peer.key} exited at startup:\n{log_path.read_text()[-4000:]}")
        try:
            status, body = _request(server)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{peer.key} did not start in time") from None
            time.sleep(0.2)
    if not peer.check(status, body):
        raise RuntimeError(f"{peer.key}: unexpected reply {status} {body[:300]!r}")
    return server


def stop_server(server: Server) -> None:
    """Stop the uvicorn process (SIGTERM, then SIGKILL) and close its log."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    server.log.close()


# --------------------------------------------------------------------------------------------
# wrk


def wrk(server: Server, duration: int, settings: Settings) -> dict[str, Any]:
    """One wrk run against ``server``: throughput, latency percentiles, errors."""
    argv = [
        "wrk",
        f"--threads={settings.threads}",
        f"--connections={settings.connections}",
        f"--duration={duration}s",
        f"--timeout={settings.timeout}s",
        f"--script={server.lua}",
        f"http://{HOST}:{server.port}{server.peer.path}",
    ]
    out = subprocess.run(
        _pinned(1, argv, settings), capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result for {server.peer.key}:\n{out}")
    fields = [int(x) for x in line.split()[1:]]
    requests, duration_us, nbytes, e_conn, e_read, e_write, e_status, e_timeout = fields[:8]
    p50, p90, p99, lmax = fields[8:]
    if server.proc.poll() is not None:
        raise RuntimeError(f"{server.peer.key} died:\n{server.log_path.read_text()[-4000:]}")
    return {
        "requests": requests,
        "duration_s": duration_us / 1e6,
        "rps": requests / (duration_us / 1e6),
        "bytes": nbytes,
        "p50_ms": p50 / 1000,
        "p90_ms": p90 / 1000,
        "p99_ms": p99 / 1000,
        "max_ms": lmax / 1000,
        "errors": {
            "connect": e_conn,
            "read": e_read,
            "write": e_write,
            "status": e_status,
            "timeout": e_timeout,
        },
    }


# --------------------------------------------------------------------------------------------
# database


async def _prepare_database(truncate: bool) -> str:
    import asyncpg

    from bench.servers.common import DSN
    from bench.servers.tables import create_table_ddl

    base, _, dbname = DSN.rpartition("/")
    try:
        conn = await asyncpg.connect(DSN)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(DSN)
    try:
        for ddl in create_table_ddl():
            await conn.execute(ddl)
        if truncate:
            await conn.execute('TRUNCATE "authstage_bench_row" RESTART IDENTITY')
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


def prepare_database(truncate: bool = False) -> str:
    """Create the benchmark database and table if needed; empty the table when asked."""
    return asyncio.run(_prepare_database(truncate))


def prepare_session() -> None:
    """A fresh session of the bench user; its token goes to ``BENCH_SESSION_TOKEN``, which the
    servers inherit and the signed-in peers send as their cookie."""
    from bench.servers.sessions import create_session

    asyncio.run(create_session())


# --------------------------------------------------------------------------------------------
# code generation


def codegen(settings: Settings) -> dict[str, Any]:
    """``python -m bench.codegen --json`` in its own process (pinned like a server)."""
    argv = [sys.executable, "-m", "bench.codegen", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        _pinned(0, argv, settings), capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    result: dict[str, Any] = msgspec.json.decode(out.strip().splitlines()[-1])
    verdict = "met" if result["met"] else "MISSED"
    print(
        f"codegen {result['actions']} actions: {result['generate_s']:.2f} s "
        f"(registration {result['register_s']:.2f} s; target < {result['target_s']:g} s: "
        f"{verdict})",
        flush=True,
    )
    return result


# --------------------------------------------------------------------------------------------
# the run


def _machine(pg_version: str | None) -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    versions = {}
    for package in ("authstage", "litestar", "msgspec", "piccolo", "asyncpg", "uvicorn"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    for package in ("uvloop", "httptools"):
        versions[package] = importlib.metadata.version(package)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": pg_version,
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("[")[0].strip(),
        "packages": versions,
        "loadavg_start": list(os.getloadavg()),
    }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rps = [r["rps"] for r in runs]
    return {
        "rps": _median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": _median([r["p50_ms"] for r in runs]),
        "p99_ms": _median([r["p99_ms"] for r in runs]),
    }


def _compare(comp: Comparison, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Summaries of the comparison's own runs and the per-round ratios."""
    results: dict[str, dict[str, Any]] = {
        key: {"runs": runs[key], "summary": _summarize(runs[key])} for key in comp.peers
    }
    ratios = []
    for spec in comp.ratios:
        subject, base, target = spec.subject, spec.baseline, spec.target
        pairs = zip(runs[subject], runs[base], strict=True)
        per_round = [s["rps"] / b["rps"] for s, b in pairs]
        ratio = _median(per_round)
        ratios.append(
            {
                "subject": subject,
                "baseline": base,
                "per_round": per_round,
                "median": ratio,
                "of_medians": results[subject]["summary"]["rps"] / results[base]["summary"]["rps"],
                "target": None
                if target is None
                else {"low": target.low, "high": target.high, "text": target.text},
                "met": None if target is None else target.met(ratio),
            }
        )
    return {
        "key": comp.key,
        "title": comp.title,
        "summary": comp.summary,
        "peers": list(comp.peers),
        "subjects": list(comp.subjects),
        "results": results,
        "ratios": ratios,
    }


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
    spy = _start_profiler(server, settings) if key in profile else None
    result = wrk(server, settings.duration, settings)
    if spy is not None:
        _stop_profiler(spy)
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
    machine = _machine(pg_version)
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
    machine["loadavg_end"] = list(os.getloadavg())
    peers: dict[str, dict[str, Any]] = {}
    for key in keys:
        peer, server = PEERS[key], servers[key]
        peer_runs = [r for comp_runs in runs.values() for r in comp_runs.get(key, [])]
        peers[key] = {
            "label": peer.label,
            "module": peer.module,
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
        "machine": machine,
        "peers": peers,
        "codegen": generated,
        "comparisons": [_compare(c, runs[c.key]) for c in comparisons],
    }


# --------------------------------------------------------------------------------------------
# profiling (optional, needs py-spy)


def _start_profiler(server: Server, settings: Settings) -> subprocess.Popen[bytes]:
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = RESULTS / f"profile-{server.peer.key}.raw"
    argv = [exe, "record", "--format", "raw", "--rate", "250", "--nonblocking"]
    argv += ["--duration", str(settings.duration), "--output", str(out)]
    argv += ["--pid", str(server.proc.pid)]
    print(f"profiling {server.peer.key} into {out.relative_to(ROOT)}", flush=True)
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_profiler(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait()


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 2 s")
    parser.add_argument("--duration", type=int, help="seconds per measured run (default 8)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per peer (default 5)")
    parser.add_argument("--rounds", type=int, help="measured rounds (default 7)")
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
    profile = {p.strip() for p in args.profile.split(",") if p.strip()}
    if profile - set(PEERS):
        parser.error(f"unknown peer(s) {sorted(profile - set(PEERS))}: one of {', '.join(PEERS)}")
    settings = Settings(
        duration=args.duration or (2 if args.quick else 8),
        warmup=args.warmup or (1 if args.quick else 5),
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds or (1 if args.quick else 7),
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
    failed = sum(p["errors"] for p in results["peers"].values())
    if failed:
        print(f"{failed} requests failed (see the errors in {output})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
