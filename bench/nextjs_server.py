"""The Next.js peers' server: install and build ``bench/nextjs/``, start ``next start``, and
speak Next's server-action protocol.

``bench/nextjs/`` is a Next.js app of its own (``package.json`` and ``package-lock.json`` pin
Next.js, React and ``pg``): ``npm ci`` installs it when ``node_modules`` is missing or older
than the lock file, ``next build`` builds it when the build is missing or older than its
sources, and each peer is one ``next start`` process (production mode) on a port of its own.

The actions are called as Next's client calls them (``fetchServerAction`` in
``next/dist/client/components/router-reducer/reducers/server-action-reducer.js``): ``POST`` to
the page with ``Next-Action: <id>`` (the ID is read from the build's
``server-reference-manifest.json``), ``Accept: text/x-component``, the page's router tree in
``Next-Router-State-Tree``, the page's ``Origin``, and the arguments as React's ``encodeReply``
writes plain values, a JSON array sent as ``text/plain;charset=UTF-8``. Next reads the router
tree only when an action revalidates and the page is rendered again, which these do not; it is
sent because the client always sends it. The reply is React's Flight (RSC) payload, one row a
line: row 0 is ``{"a":"$@1",...}``, naming the row that holds the action's result.

Hand-written instead of a library: no Python package reads React's Flight format; the check
reads only a plain JSON result row, which is all these actions return.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from bench.servers.common import DSN, POOL_SIZE

__all__ = [
    "DIR",
    "action_ids",
    "action_result",
    "build",
    "command",
    "describe",
    "environment",
    "missing_tools",
    "request_headers",
]

#: The Next.js app.
DIR = Path(__file__).resolve().parent / "nextjs"
_NEXT_BIN = DIR / "node_modules" / "next" / "dist" / "bin" / "next"
_INSTALLED = DIR / "node_modules" / ".package-lock.json"
_BUILT = DIR / ".next" / "BUILD_ID"
_MANIFEST = DIR / ".next" / "server" / "server-reference-manifest.json"
#: What the build is made from: a newer file means the build is stale.
_SOURCES = ("app", "lib", "instrumentation.js", "next.config.mjs", "package.json")
#: Next.js 16's ``engines.node``.
_MIN_NODE = (20, 9)

#: The router state of the page at ``/`` as the client sends it
#: (``prepareFlightRouterStateForRequest``: ``encodeURIComponent(JSON.stringify(tree))``).
_ROUTER_TREE = urllib.parse.quote(
    json.dumps(["", {"children": ["__PAGE__", {}]}], separators=(",", ":")), safe="!~*'()"
)


def _node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def missing_tools() -> str | None:
    """Why the Next.js peers cannot run here (Node.js or npm missing or too old), or None."""
    version = _node_version()
    if version is None or shutil.which("npm") is None:
        return (
            "the Next.js peers need Node.js (>= 20.9) and npm (Debian: apt-get install nodejs npm)"
        )
    parts = tuple(int(x) for x in version.lstrip("v").split(".")[:2] if x.isdigit())
    if parts < _MIN_NODE:
        return f"the Next.js peers need Node.js >= 20.9 (Next.js 16); this is {version}"
    return None


def environment() -> dict[str, str]:
    """The environment of ``next build`` and ``next start``: production mode, no telemetry, the
    benchmark database and pool size of the Python peers."""
    return {
        **os.environ,
        "NODE_ENV": "production",
        "NEXT_TELEMETRY_DISABLED": "1",
        "BENCH_DATABASE_URL": DSN,
        "BENCH_POOL_SIZE": str(POOL_SIZE),
    }


def _newest_source() -> float:
    newest = _INSTALLED.stat().st_mtime
    for name in _SOURCES:
        path = DIR / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def _run(argv: list[str], what: str) -> None:
    print(f"{what} in {DIR.name}/ ...", flush=True)
    done = subprocess.run(
        argv, cwd=DIR, env=environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed in {DIR}:\n{(done.stdout + done.stderr)[-4000:]}")


def build() -> None:
    """Install the app from npm (``npm ci``) and build it (``next build``) when needed.

    Raises:
        RuntimeError: Node.js or npm is missing, or the install or the build failed.
    """
    problem = missing_tools()
    if problem is not None:
        raise RuntimeError(problem)
    lock = DIR / "package-lock.json"
    if not _INSTALLED.exists() or _INSTALLED.stat().st_mtime < lock.stat().st_mtime:
        _run(["npm", "ci", "--no-audit", "--no-fund"], "npm ci")
    if not _BUILT.exists() or _BUILT.stat().st_mtime < _newest_source():
        _run(["node", str(_NEXT_BIN), "build"], "next build")


def action_ids() -> dict[str, str]:
    """The built app's server actions: exported name -> action ID."""
    manifest = json.loads(_MANIFEST.read_text())
    return {entry["exportedName"]: action_id for action_id, entry in manifest["node"].items()}


def command(host: str, port: int) -> list[str]:
    """``next start`` of the built app on ``host:port`` (one Node.js process)."""
    return ["node", str(_NEXT_BIN), "start", "--hostname", host, "--port", str(port)]


def describe() -> str:
    """``Next.js 16.4.6 `next start` on Node.js v20.20.2``: what serves the peers."""
    next_version = json.loads((_NEXT_BIN.parent.parent.parent / "package.json").read_text())
    return f"Next.js {next_version['version']} `next start` on Node.js {_node_version()}"


def request_headers(action_id: str, host: str, port: int) -> dict[str, str]:
    """The headers of a call of the action ``action_id`` from the page at ``http://host:port/``."""
    return {
        "Accept": "text/x-component",
        "Next-Action": action_id,
        "Next-Router-State-Tree": _ROUTER_TREE,
        "Content-Type": "text/plain;charset=UTF-8",
        "Origin": f"http://{host}:{port}",
    }


def _plain(value: object) -> object:
    """``value`` when it holds no Flight reference (a string starting with ``$``)."""
    if isinstance(value, str) and value.startswith("$"):
        raise ValueError(f"a Flight reference, not a plain value: {value[:80]!r}")
    if isinstance(value, dict):
        for child in value.values():
            _plain(child)
    elif isinstance(value, list):
        for child in value:
            _plain(child)
    return value


def action_result(body: bytes) -> object:
    """The plain JSON value an action returned, read from Next's RSC reply.

    Raises:
        ValueError: the reply is not a Flight payload naming a result row, or that row is not
            plain JSON (an error row ``E{"digest":...}``, a module or a reference).
    """
    rows: dict[str, str] = {}
    for line in body.decode(errors="replace").splitlines():
        ident, sep, value = line.partition(":")
        if sep:
            rows.setdefault(ident, value)
    try:
        head = json.loads(rows["0"])
        ref = head["a"]
        if not (isinstance(ref, str) and ref.startswith("$@")):
            raise ValueError(f"row 0 names no result row: {rows['0'][:200]!r}")
        return _plain(json.loads(rows[ref[2:]]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not an action reply: {body[:300]!r}") from exc
