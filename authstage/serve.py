"""``authstage run``: serve the app with uvicorn, its startup run first so failures are one line.

uvicorn runs an app's lifespan itself and, when startup fails, logs Litestar's formatted
traceback (for an unreachable database, an ``ExceptionGroup`` some 86 lines long) before
exiting. Here the app is loaded in this process and its lifespan entered *before* uvicorn is
given the app (with ``lifespan="off"``): a ``ConfigurationError`` from loading or from a
startup hook (bad ``DATABASE_URL``, database unreachable, no secret in production) surfaces as
a plain exception the CLI prints as one line, and uvicorn never starts.

Shutdown: uvicorn handles SIGINT/SIGTERM: it closes the listening socket at once (a load
balancer's next connection goes to another instance), lets calls in flight finish for up to
``drain`` seconds (idle keep-alive connections are closed, busy ones get ``Connection: close``
with their reply, so no client sees a reset), then re-raises the signal it caught
once its own handlers are gone. A handler installed here turns that re-raised SIGTERM into an
exception, so the lifespan's shutdown hooks (closing the pool) still run before the process
exits; SIGINT arrives through asyncio's own handling. ``--reload`` needs uvicorn's import-string
mode (it restarts a child process), where uvicorn drives the lifespan and prints its own output.

The cost: the app is built in the CLI process (no second import by uvicorn), and one SIGTERM
handler is installed for the life of the server.
"""

from __future__ import annotations

import asyncio
import math
import signal
import socket
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from litestar import Litestar

from authstage.errors import ConfigurationError

__all__ = ["DRAIN_SECONDS", "serve", "startup_failure"]

#: Seconds a stopping server lets calls in flight finish (``authstage run --drain``).
DRAIN_SECONDS = 10.0


class _Stopped(Exception):
    """SIGTERM arrived after uvicorn's graceful stop: unwind so shutdown hooks run."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def _is_stop(exc: BaseException) -> bool:
    """A signal's unwinding, possibly wrapped in exception groups by the lifespan's task group."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_stop(leaf) for leaf in exc.exceptions)
    return isinstance(exc, _Stopped | KeyboardInterrupt)


def startup_failure(
    exc: BaseException, _seen: frozenset[int] = frozenset()
) -> ConfigurationError | None:
    """The ``ConfigurationError`` inside ``exc`` (itself, a leaf of an exception group, or a
    cause; a cycle of causes ends the search)."""
    if id(exc) in _seen:
        return None
    _seen = _seen | {id(exc)}
    if isinstance(exc, ConfigurationError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for leaf in exc.exceptions:
            found = startup_failure(leaf, _seen)
            if found is not None:
                return found
    cause = exc.__cause__
    return startup_failure(cause, _seen) if cause is not None else None


#: Called with the app once its startup has run, before it serves; may raise
#: ``ConfigurationError`` to refuse to serve (its shutdown hooks still run).
Started = Callable[[Litestar], None]


async def _serve(
    app: Litestar,
    config: uvicorn.Config,
    sockets: Sequence[socket.socket] | None,
    started: Started | None,
) -> None:
    server = uvicorn.Server(config)
    try:
        async with app.lifespan():
            if started is not None:
                started(app)
            await server.serve(sockets=list(sockets) if sockets is not None else None)
    except BaseException as exc:
        failure = startup_failure(exc)
        if failure is None:
            raise
        raise failure from None


def serve(
    app: Litestar,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drain: float = DRAIN_SECONDS,
    access_log: bool = True,
    sockets: Sequence[socket.socket] | None = None,
    started: Started | None = None,
) -> None:
    """Run ``app`` until SIGINT or SIGTERM: startup first, then uvicorn, then shutdown.

    Args:
        drain: seconds calls in flight get to finish after the signal (no new connection is
            accepted meanwhile); past it the remaining ones are cut.
        access_log: uvicorn's line per request on stdout.
        sockets: listening sockets to serve on instead of binding ``host:port`` (the server
            processes of ``authstage run --workers N`` share one, see multiserve.py).
        started: called once startup has run, before serving.

    Raises:
        ConfigurationError: the app's startup failed for a reason of configuration.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        access_log=access_log,
        timeout_graceful_shutdown=math.ceil(drain),
    )
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        asyncio.run(_serve(app, config, sockets, started))
    except BaseException as exc:
        if not _is_stop(exc):
            raise
    finally:
        signal.signal(signal.SIGTERM, previous)
