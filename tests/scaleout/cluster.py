"""Two app instances and one worker sharing one PostgreSQL database and one Redis.

Each instance is ``authstage run`` in its own process on its own port, as behind a load
balancer; the worker is ``authstage worker``. They share a fresh PostgreSQL database, one Redis
under keys of their own (rate limits, caches, stores, job queue), one storage folder and the
secrets, all through the environment only: the production shape is configuration. An instance
can be restarted with other settings (a secret rotation rolls across them).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.live_server import ROOT, free_port, server_environment, wait_until_serving
from tests.unit.redis_server import REDIS_URL

__all__ = ["APP", "Cluster", "Instance"]

APP = "tests.scaleout.scaleout_app:create_app"
CLI = [sys.executable, "-m", "authstage.cli"]


@dataclass
class Instance:
    """One process of the cluster; ``url`` while it runs."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, command: list[str], wait: bool = True) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if wait:
            wait_until_serving(self.url, self.process, self.log, timeout=60)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Cluster:
    """Instances ``a`` and ``b`` and a ``worker`` over one database, one Redis, one secret."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.namespace = f"scaleout-{secrets.token_hex(4)}"
        self.secret = f"scale-out-secret-{secrets.token_hex(16)}"
        self.env = server_environment(database_url, self.secret, folder)
        self.env.update(
            AUTHSTAGE_APP=APP,
            REDIS_URL=REDIS_URL,
            AUTHSTAGE_JOBS_URL=REDIS_URL,
            AUTHSTAGE_JOBS_QUEUE=self.namespace,
            AUTHSTAGE_RATE_LIMIT_PREFIX=self.namespace,
            AUTHSTAGE_STORES_NAMESPACE=self.namespace,
            AUTHSTAGE_MAIL_OUTBOX=str(folder / "outbox"),
        )
        subprocess.run(
            [*CLI, "migrate", "--app", APP], cwd=ROOT, env=self.env, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        self.a = self._instance("a")
        self.b = self._instance("b")
        self.worker = self._instance("worker")

    def _instance(self, name: str) -> Instance:
        return Instance(name, dict(self.env), self.folder / f"{name}.log")

    def run(self, instance: Instance, **env: str) -> None:
        """(Re)start ``instance`` with ``env`` added to the cluster's environment."""
        instance.stop()
        instance.env = {**self.env, **env}
        command = [*CLI, "run", "--app", APP, "--port", str(instance.port), "--drain", "2"]
        instance.start(command)

    def start_worker(self) -> None:
        """Start the worker (again, after it was stopped or killed)."""
        self.worker.start([*CLI, "worker", "--app", APP], wait=False)

    def start(self) -> None:
        self.run(self.a)
        self.run(self.b)
        self.start_worker()

    def stop(self) -> None:
        for instance in (self.a, self.b, self.worker):
            instance.stop()

    def logs(self) -> str:
        return "\n".join(
            f"== {i.name}\n{i.log.read_text(errors='replace')}"
            for i in (self.a, self.b, self.worker)
            if i.log.exists()
        )
