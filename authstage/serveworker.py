"""One server process of ``authstage run --workers N``: the app on a socket its supervisor bound.

Started by multiserve.py as ``python -m authstage.serveworker``, with three file descriptors:
the listening socket (shared by every server process), a status pipe on which it writes one
line once (``ready`` when its startup ran and it serves, ``failed <message>`` for a failure of
configuration, which it does not print itself, so the supervisor prints one line for all), and
the read end of a lifeline pipe that only the supervisor holds open for writing. The lifeline is
how a process notices its supervisor is gone even after SIGKILL, where no signal is forwarded:
a thread blocked on it reads end-of-file, and the process sends itself SIGTERM, so it drains
and shuts down like on any stop instead of living on as an orphan.

Everything else is ``serve()``: the same lifespan, drain and signal handling as one process.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence

from litestar import Litestar

from authstage.loader import build_app
from authstage.processlocal import check_shareable
from authstage.serve import serve, startup_failure

__all__ = ["main"]


def _watch_lifeline(fd: int) -> None:
    def wait() -> None:
        while os.read(fd, 1):  # the supervisor never writes: this returns b"" when it is gone
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="authstage-lifeline", daemon=True).start()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authstage.serveworker")
    parser.add_argument("--app", required=True)
    parser.add_argument("--socket-fd", type=int, required=True)
    parser.add_argument("--status-fd", type=int, required=True)
    parser.add_argument("--lifeline-fd", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--drain", type=float, required=True)
    parser.add_argument("--no-access-log", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until stopped; the exit status (2: a failure of configuration at startup)."""
    args = _parser().parse_args(argv)
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    _watch_lifeline(args.lifeline_fd)
    status = os.fdopen(args.status_fd, "w", buffering=1, encoding="utf-8")
    sock = socket.socket(fileno=args.socket_fd)

    def started(app: Litestar) -> None:
        check_shareable(app, args.workers)
        status.write("ready\n")
        status.close()

    try:
        serve(
            build_app(args.app),
            drain=args.drain,
            access_log=not args.no_access_log,
            sockets=[sock],
            started=started,
        )
    except Exception as exc:
        failure = startup_failure(exc)
        if failure is None or status.closed:
            raise
        status.write(f"failed {' '.join(str(failure).splitlines())}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
