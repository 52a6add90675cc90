"""Test helpers for Redis: the shared server (namespaced, cleaned) and a private one to break.

A test that must stop or stall Redis never touches the shared server: ``private_redis`` starts
its own ``redis-server`` on a spare port (no persistence) and stops it at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from tests.conftest import in_ci
from tests.live_server import free_port

__all__ = ["REDIS_URL", "PrivateRedis", "require_redis"]

REDIS_URL = os.environ.get("AUTHSTAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis(url: str = REDIS_URL) -> redis.Redis:
    """A client of the shared server; skips (fails in CI) when it is unreachable."""
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is unreachable at {url}: {exc!r}"
        if in_ci():
            pytest.fail(f"{message} (CI requires the redis suite)", pytrace=False)
        pytest.skip(message)
    return client


def delete_namespace(client: redis.Redis, namespace: str) -> None:
    """Delete every key under ``namespace`` (never FLUSHALL: the server is shared)."""
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)


@dataclass
class PrivateRedis:
    """A ``redis-server`` of this test's own, to stop, stall and restart."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed", pytrace=False)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 5
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must wake to exit
            self.process.terminate()
            self.process.wait(5)
            self.process = None

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): it keeps accepting connections but never answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def stall(self, seconds: float) -> subprocess.Popen[bytes]:
        """Block the server for ``seconds`` (``DEBUG SLEEP``), from another process."""
        return subprocess.Popen(
            ["redis-cli", "-p", str(self.port), "DEBUG", "SLEEP", str(seconds)],
            stdout=subprocess.DEVNULL,
        )


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A fresh key namespace on the shared Redis, deleted afterwards (each app gets its own
    client, as processes do)."""
    client = require_redis()
    namespace = f"test-{secrets.token_hex(4)}"
    try:
        yield namespace
    finally:
        delete_namespace(client, namespace)
        client.close()
