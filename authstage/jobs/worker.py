"""``authstage worker``: a process that runs the app's jobs.

::

    authstage worker [--app actions.app:create_app] [--concurrency N]

It loads the app like ``authstage run`` does, runs the app's own startup hooks (so tasks find
the database bound and its pool open), then runs the queue's loop until SIGTERM or SIGINT:
a SAQ worker with ``AUTHSTAGE_JOBS_URL=redis://...``, or the database runner (several of
them share a PostgreSQL table safely; see database.py). Scale by starting more processes.
A job running when the process is killed outright is retried by another worker (the SAQ
heartbeat sweep, or the database lease). Redis or the database unreachable at start: one
``authstage: ...`` line on stderr and exit status 2 (cli.py turns ``ConfigurationError``
into that). The app is built as the server builds it (``loader.build_app``), with the same
secret, since a worker is one of the app's processes.

cli.py imports this module, never the other way round. Cost: one process per worker, each
with the app loaded; its concurrency is ``AUTHSTAGE_JOBS_CONCURRENCY`` (``--concurrency``)
jobs on one event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal

from litestar import Litestar

from authstage.jobs.plugin import jobs_of
from authstage.loader import build_app
from authstage.serve import startup_failure

__all__ = ["add_worker_command", "run_worker"]


async def _serve(app: Litestar) -> None:
    jobs = jobs_of(app)
    jobs.worker_mode = True
    try:
        async with app.lifespan():
            runner = asyncio.create_task(jobs.run(), name="authstage-worker")
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, runner.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await runner
    except BaseException as exc:  # Litestar's lifespan runs inside an anyio task group
        failure = startup_failure(exc)
        if failure is None:
            raise
        raise failure from None


def run_worker(app: Litestar) -> int:
    """Run ``app``'s jobs in this process until SIGTERM or SIGINT; the exit status.

    Raises:
        ConfigurationError: the app has no ``JobsPlugin``, or its queue cannot be reached.
    """
    asyncio.run(_serve(app))
    return 0


def add_worker_command(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    app_default: str,
) -> None:
    """Add the ``worker`` subcommand to the ``authstage`` parser's subcommands."""

    def handle(args: argparse.Namespace) -> int:
        if args.concurrency is not None:  # read when the app resolves its JobsConfig
            os.environ["AUTHSTAGE_JOBS_CONCURRENCY"] = str(args.concurrency)
        return run_worker(build_app(args.app))

    worker = commands.add_parser("worker", help="run the app's background jobs")
    worker.add_argument("--app", default=app_default, help="module:attribute")
    worker.add_argument("--concurrency", type=int, help="jobs at once (AUTHSTAGE_JOBS_CONCURRENCY)")
    worker.set_defaults(handler=handle)
