"""Driving ``wrk``: the Lua script that posts a peer's request, one run and its numbers.

``wrk`` is an external load generator (the benchmark measures servers, not a Python client);
the Lua script makes it send the peer's exact body and headers and print its latency
percentiles and error counts as JSON on exit, which ``wrk`` parses back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from bench.harness import HOST, ROOT, Server, Settings, pinned
from bench.peers import Peer

__all__ = ["write_lua", "wrk"]


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


def write_lua(peer: Peer, headers: dict[str, str], directory: Path) -> Path:
    lines = ['wrk.method = "POST"', f"wrk.body = {_lua_string(peer.body.decode())}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    if peer.keys:  # a random key per request (wrk.format adds the Content-Length)
        lines += [
            f"local template = {_lua_string(peer.body_template)}",
            "math.randomseed(os.time())",
            "request = function()",
            f"  local body = string.format(template, math.random(1, {peer.keys}))",
            "  return wrk.format(nil, nil, nil, body)",
            "end",
        ]
    path = directory / f"{peer.key}.lua"
    path.write_text("\n".join(lines) + "\n" + _LUA_DONE)
    return path


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
        pinned(1, argv, settings), capture_output=True, text=True, check=True, cwd=ROOT
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
