"""The servers of the server-choice benchmark: one peer app under each server, started by the
command a user would type.

``bench.processes.start_server`` starts every peer under uvicorn with the harness's options;
this benchmark compares the servers themselves, so each variant is its own command line:

- ``uvicorn``: ``authstage run --no-access-log`` (uvicorn, uvloop and httptools when installed,
  the lifespan entered before serving: authstage/serve.py);
- ``granian``: ``granian --interface asgi --factory`` (its ASGI interface, its defaults: one
  worker, the ``auto`` loop, which is uvloop when installed, no access log);
- ``litestar``: ``litestar --app ... run`` with its defaults (uvicorn's own ``auto`` choices,
  its access log on: ``litestar run`` has no option to turn it off);
- ``workers1`` / ``workers2``: ``authstage run --workers 1`` / ``--workers 2``, with Redis for
  the shared stores (the shape several processes need: authstage/processlocal.py).

The returned ``bench.harness.Server`` is what ``bench.wrk.wrk`` drives and
``bench.processes.stop_server`` stops (SIGTERM, which every one of them handles).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import HOST, ROOT, Server, Settings, pinned
from bench.peers import Peer, action_headers
from bench.processes import free_port, wait_until_checked
from bench.wrk import write_lua

__all__ = ["VARIANTS", "Variant", "start_variant"]

PY = sys.executable
#: Redis of the multi-process variants, under this benchmark's own namespace and prefix.
REDIS_ENV = {
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "AUTHSTAGE_STORES_NAMESPACE": "authstage-bench-servers",
    "AUTHSTAGE_RATE_LIMIT_PREFIX": "authstage-bench-servers",
}


@dataclass(frozen=True)
class Variant:
    """One way of serving a peer's ``create_app`` factory."""

    key: str
    label: str
    #: The command line, before the factory ``module:create_app`` and the port are filled in.
    argv: tuple[str, ...]
    #: Server processes (the check waits for every one of them).
    processes: int = 1
    env: dict[str, str] = field(default_factory=dict)

    def command(self, target: str, port: int) -> list[str]:
        return [a.format(target=target, port=port, host=HOST) for a in self.argv]


_ADDRESS = ("--host", "{host}", "--port", "{port}")
_AUTHSTAGE = (PY, "-m", "authstage.cli", "run", "--app", "{target}", *_ADDRESS, "--no-access-log")
_GRANIAN = (PY, "-m", "granian", "--interface", "asgi", "--factory", *_ADDRESS)
_LITESTAR = (PY, "-m", "litestar", "--app", "{target}", "run", *_ADDRESS)

VARIANTS: dict[str, Variant] = {
    v.key: v
    for v in [
        Variant("uvicorn", "uvicorn (`authstage run`)", _AUTHSTAGE),
        Variant(
            "granian",
            "granian (ASGI)",
            (*_GRANIAN, "--log-level", "warning", "{target}"),
        ),
        Variant(
            "litestar",
            "`litestar run` (its defaults)",
            _LITESTAR,
        ),
        Variant(
            "workers1", "`authstage run --workers 1`", (*_AUTHSTAGE, "--workers", "1"), 1, REDIS_ENV
        ),
        Variant(
            "workers2", "`authstage run --workers 2`", (*_AUTHSTAGE, "--workers", "2"), 2, REDIS_ENV
        ),
    ]
}


def start_variant(variant: Variant, peer: Peer, settings: Settings, workdir: Path) -> Server:
    """Serve ``peer`` the ``variant``'s way (pinned to CPU 0 when ``settings.pin``); returns
    once it answered one correct request."""
    peer = dataclasses.replace(peer, key=f"{peer.key}@{variant.key}")
    headers, actions = action_headers(peer)
    port = free_port()
    log_path = workdir / f"{peer.key}.log"
    log = log_path.open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), **variant.env}
    argv = pinned(0, variant.command(f"{peer.module}:create_app", port), settings)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(
        peer, port, proc, log, log_path, write_lua(peer, headers, workdir), headers, actions
    )
    # With several processes, also until the supervisor said every one serves.
    serving = lambda: variant.processes == 1 or "authstage: serving" in log_path.read_text()  # noqa: E731
    wait_until_checked(server, serving)
    return server
