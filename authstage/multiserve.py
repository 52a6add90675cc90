"""``authstage run --workers N``: N server processes on one port, and the supervisor of them.

The supervisor (this process) binds the port once and starts N ``authstage.serveworker``
processes that inherit the listening socket; the kernel hands each new connection to one of
them. Each builds the app and runs its lifespan itself (nothing is built here, so the supervisor
stays small). The first starts alone: it generates the development secret file and migrates the
embedded SQLite database before the others read them, and a failure of configuration (a bad
``DATABASE_URL``, state that cannot be shared between processes: processlocal.py) is reported
by it once, as one line, and exit status 2. The others then start together.

On SIGTERM or SIGINT the supervisor closes its copy of the socket and sends SIGTERM to every
process, which drains like one process does (serve.py); it exits 0 once all have. A process
that dies while serving is replaced (one line on stderr); one that fails to start then stops
them all, exit status 1. The processes also watch a lifeline pipe (serveworker.py), so a
supervisor killed with SIGKILL leaves no orphans: they drain and exit.

Hand-written rather than uvicorn's own ``--workers`` mode: uvicorn's supervisor re-imports the
app in each process and runs its lifespan itself, so a failed startup is Litestar's traceback
(and is restarted in a loop), and it has no way to run a check before serving.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType

from authstage.errors import ConfigurationError

__all__ = ["serve_workers"]

#: Seconds a process may take to start (import, build, startup hooks) before it counts as failed.
START_TIMEOUT = 120.0


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    status: int  # read end of its status pipe
    ready: bool = False


class _Supervisor:
    def __init__(self, argv: list[str], sock: socket.socket, drain: float) -> None:
        self.argv, self.sock, self.drain = argv, sock, drain
        self.lifeline_read, self.lifeline_write = os.pipe()
        self.workers: list[_Worker] = []
        self.stopping = False

    def spawn(self) -> _Worker:
        status_read, status_write = os.pipe()
        fds = (self.sock.fileno(), status_write, self.lifeline_read)
        argv = [
            *self.argv,
            f"--socket-fd={fds[0]}",
            f"--status-fd={fds[1]}",
            f"--lifeline-fd={fds[2]}",
        ]
        try:
            command = [sys.executable, "-m", "authstage.serveworker", *argv]
            proc = subprocess.Popen(command, pass_fds=fds)  # noqa: S603 - our own module
        finally:
            os.close(status_write)
        worker = _Worker(proc, status_read)
        self.workers.append(worker)
        return worker

    def wait_ready(self, starting: list[_Worker]) -> None:
        """Return once every worker of ``starting`` said ``ready``.

        Raises:
            ConfigurationError: one reported a failure of configuration.
            RuntimeError: one exited, or took longer than ``START_TIMEOUT``.
        """
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            for worker in starting:
                selector.register(worker.status, selectors.EVENT_READ, worker)
            while any(not w.ready for w in starting):
                if self.stopping:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a server process did not start in {START_TIMEOUT:g} s")
                for key, _ in selector.select(timeout=0.2):
                    worker = key.data
                    line = os.read(worker.status, 4096).decode(errors="replace").strip()
                    selector.unregister(worker.status)
                    if line == "ready":
                        worker.ready = True
                        continue
                    if line.startswith("failed "):
                        raise ConfigurationError(line.removeprefix("failed "))
                    code = worker.proc.wait()
                    raise RuntimeError(
                        f"server process {worker.proc.pid} exited at startup ({code})"
                    )

    def stop(self) -> bool:
        """Close our socket, SIGTERM every worker, wait for them (SIGKILL well past the drain);
        whether every one exited cleanly."""
        self.stopping = True
        self.sock.close()
        for worker in self.workers:
            if worker.proc.poll() is None:
                worker.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.drain + 30
        clean = True
        for worker in self.workers:
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
            clean = clean and worker.proc.returncode in (0, 2)  # 2: reported as it failed
            os.close(worker.status)
        os.close(self.lifeline_write)
        os.close(self.lifeline_read)
        return clean

    def replace_dead(self) -> None:
        """Start a new process for each that exited while serving (one line each)."""
        for worker in [w for w in self.workers if w.ready and w.proc.poll() is not None]:
            self.workers.remove(worker)
            os.close(worker.status)
            print(
                f"authstage: server process {worker.proc.pid} exited ({worker.proc.returncode}); "
                "starting another",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(1)  # a process that dies at once does not become a tight loop
            self.wait_ready([self.spawn()])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve_workers(
    target: str, *, host: str, port: int, workers: int, drain: float, access_log: bool
) -> int:
    """Serve ``target`` (``module:attribute``) from ``workers`` processes until SIGINT/SIGTERM.

    Returns:
        0 after a stop by signal; 1 when a process failed to start, or did not stop cleanly.

    Raises:
        ConfigurationError: the first process's startup failed for a reason of configuration.
    """
    argv = [f"--app={target}", f"--workers={workers}", f"--drain={drain}"]
    argv += [] if access_log else ["--no-access-log"]
    supervisor = _Supervisor(argv, _bind(host, port), drain)
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        supervisor.stopping = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    failed = False
    try:
        supervisor.wait_ready([supervisor.spawn()])
        supervisor.wait_ready([supervisor.spawn() for _ in range(workers - 1)])
        if not supervisor.stopping:
            pids = ", ".join(str(w.proc.pid) for w in supervisor.workers)
            where = f"[{host}]" if ":" in host else host
            print(
                f"authstage: serving http://{where}:{port} from {workers} processes ({pids})",
                file=sys.stderr,
                flush=True,
            )
        while not supervisor.stopping:
            time.sleep(0.2)
            supervisor.replace_dead()
    except RuntimeError as exc:
        print(f"authstage: {exc}; stopping", file=sys.stderr, flush=True)
        failed = True
    finally:
        clean = supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed or not clean else 0
