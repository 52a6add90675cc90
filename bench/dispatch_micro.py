"""In-process micro-benchmark of one action call through the whole ASGI stack (no sockets).

    .venv/bin/python -m bench.dispatch_micro [--calls 50000] [--rounds 5]

``wrk`` against uvicorn (``bench.run``) measures what users see but is noisy to a few percent;
a change to the request path (a new header check, a disconnect watch) costs well under that.
This script calls the Litestar apps of ``bench/servers`` directly with a prebuilt scope and
in-memory ``receive``/``send``, so the per-call cost of the framework itself is measured to a
fraction of a microsecond, and prints microseconds per call (best round) for each peer. The
event loop turns once between calls, as it does between requests in a server; it is uvloop (as
in ``bench.run``) when installed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import importlib.util
import time
from collections.abc import Callable
from typing import Any

from litestar import Litestar

from authstage.ids import action_id
from bench.servers import noop_asgi, noop_authstage, noop_post
from bench.servers.common import SECRET

__all__ = ["main", "measure"]

BODY = b'{"a":1,"b":2}'


def _scope(app: Litestar, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(BODY)),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "app": app,
        "state": {},
    }


async def _run(app: Litestar, scope: dict[str, Any], calls: int) -> float:
    message = {"type": "http.request", "body": BODY, "more_body": False}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return message

    async def send(event: Any) -> None:
        if event["type"] == "http.response.start":
            statuses.append(event["status"])

    await app(dict(scope), receive, send)  # type: ignore[arg-type]
    if statuses != [200]:
        raise RuntimeError(f"the check call answered {statuses}")
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        await app(dict(scope), receive, send)  # type: ignore[arg-type]
        await asyncio.sleep(0)
    return (time.perf_counter() - start) / calls * 1e6


def _peers() -> dict[str, tuple[Callable[[], Litestar], str, list[tuple[bytes, bytes]]]]:
    aid = action_id("bench.add", SECRET.encode()).encode()
    return {
        "authstage /_action": (noop_authstage.create_app, "/_action", [(b"authstage-action", aid)]),
        "litestar @post": (noop_post.create_app, "/add", []),
        "litestar @asgi": (noop_asgi.create_app, "/add", []),
    }


def _runner(loop: str) -> Callable[[Any], Any]:
    if loop == "uvloop":  # the bench extra; imported by name so the dev install type-checks
        run: Callable[[Any], Any] = importlib.import_module("uvloop").run
        return run
    return asyncio.run


def measure(calls: int, rounds: int, loop: str = "asyncio") -> dict[str, float]:
    """Best-of-``rounds`` microseconds per call for each peer."""
    run = _runner(loop)
    results: dict[str, float] = {}
    for label, (factory, path, headers) in _peers().items():
        app = factory()
        scope = _scope(app, path, headers)

        async def rounds_of(app: Litestar = app, scope: dict[str, Any] = scope) -> float:
            async with app.lifespan():
                return min([await _run(app, scope, calls) for _ in range(rounds)])

        results[label] = run(rounds_of())
    return results


def _default_loop() -> str:
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


def main(argv: list[str] | None = None) -> int:
    """Print microseconds per call and the ratio to the ``@post`` route."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default=_default_loop())
    args = parser.parse_args(argv)
    results = measure(args.calls, args.rounds, args.loop)
    post = results["litestar @post"]
    for label, micros in results.items():
        print(f"{label:22} {micros:7.2f} us/call   {post / micros:5.2f}x the @post route")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
