"""Tasks and actions used by the job tests, and apps that serve them.

``GATES`` lets an in-process test hold a task until it says so; tasks run by worker
subprocesses coordinate through files in the folder their payload names instead.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Litestar

from authstage import AuthstagePlugin, Forbidden, action
from authstage.db import Database
from authstage.jobs import (
    Jobs,
    JobsConfig,
    JobsPlugin,
    JobState,
    JobStatus,
    enqueue,
    job_status,
    report_progress,
    task,
)

SECRET = "jobs-test-secret-0123456789abcdef0123456789"
RUNS: Counter[str] = Counter()
GATES: dict[str, asyncio.Event] = {}
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+$")]


class Total(msgspec.Struct):
    total: int


class Started(msgspec.Struct):
    job_id: str


@task
async def add(a: int, b: int) -> Total:
    RUNS["add"] += 1
    return Total(total=a + b)


@task
async def send_email(to: Email, subject: str, body: str) -> None:
    RUNS[f"email:{to}"] += 1


@task
async def gated(name: str) -> str:
    """Reports half-way, then waits for ``GATES[name]``."""
    RUNS[f"gated:{name}"] += 1
    await report_progress(0.5)
    await GATES[name].wait()
    return name


@task
async def explode() -> None:
    RUNS["explode"] += 1
    raise RuntimeError("password=hunter2 at /srv/app/internal.py")


@task(retries=5)
async def refuse() -> None:
    RUNS["refuse"] += 1
    raise Forbidden("Not your export")


@task(retries=3)
async def flaky(name: str, failures: int) -> int:
    """Fails its first ``failures`` attempts, then returns the attempt number."""
    RUNS[f"flaky:{name}"] += 1
    if RUNS[f"flaky:{name}"] <= failures:
        raise ConnectionError("the mail server hung up")
    return RUNS[f"flaky:{name}"]


@task(retries=3)
async def dies_once(folder: str) -> str:
    """First attempt: writes ``started`` (with its pid) and hangs; later ones finish at once."""
    started, finished = Path(folder) / "started", Path(folder) / "finished"
    if not await asyncio.to_thread(started.exists):
        await asyncio.to_thread(started.write_text, str(os.getpid()))
        await asyncio.sleep(120)
    await asyncio.to_thread(finished.write_text, str(os.getpid()))
    return "finished"


@task
async def mark(folder: str, name: str, seconds: float = 0.0) -> None:
    """Takes ``seconds``, then leaves one file per run, named for the job and its process."""
    await asyncio.sleep(seconds)
    run = Path(folder) / f"{name}.{os.getpid()}.{os.urandom(4).hex()}"
    await asyncio.to_thread(run.write_text, "")


@task
async def wait_for_file(path: str) -> str:
    """Reports half-way, then waits until ``path`` exists (for worker subprocesses)."""
    await report_progress(0.5)
    for _ in range(600):  # 30 s at most
        if await asyncio.to_thread(Path(path).exists):
            return await asyncio.to_thread(Path(path).read_text)
        await asyncio.sleep(0.05)
    raise TimeoutError(path)


@action(public=True)
async def start_add(a: Any, b: Any) -> Started:
    """Passes its arguments through unchecked, so the task's own validation is what answers."""
    return Started(job_id=await enqueue(add, a=a, b=b))


@action(public=True)
async def announce(recipients: list[str], message: str) -> int:
    """The seeds' bulk mail: one job per recipient."""
    for to in recipients:
        await enqueue(send_email, to=to, subject="Announcement", body=message)
    return len(recipients)


@action(public=True)
async def status_of(job_id: str) -> JobStatus:
    return await job_status(job_id)


async def wait_for(
    jobs: Jobs, job_id: str, *states: JobState, within: float = 20.0, progress: float = 0.0
) -> JobStatus:
    """Poll until the job reaches one of ``states`` (and at least ``progress``)."""
    deadline = time.monotonic() + within
    while True:
        status = await jobs.status(job_id)
        assert status is not None
        if status.status in states and status.progress >= progress:
            return status
        assert time.monotonic() < deadline, f"job still {status} after {within} s"
        await asyncio.sleep(0.02)


def jobs_app(database_url: str | None = None, **jobs: Any) -> Litestar:
    """An app with the job actions and a ``JobsPlugin`` over these tasks (``jobs`` overrides)."""
    startup: list[Any] = []
    shutdown: list[Any] = []
    if database_url is not None:
        database = Database(database_url, migrate_on_startup=False)
        startup, shutdown = [database.startup], [database.shutdown]
    jobs.setdefault("tasks", [__name__])
    return Litestar(
        plugins=[
            AuthstagePlugin(
                actions=["tests.unit.jobs.sample_tasks"],
                secret=SECRET,
                production=False,
                debug=False,
            ),
            JobsPlugin(JobsConfig(**jobs)),
        ],
        on_startup=startup,
        on_shutdown=shutdown,
    )


def worker_app() -> Litestar:
    """The app a worker subprocess runs (``authstage worker --app ...``): the queue and the
    database (``DATABASE_URL``, if set) from the environment, short heartbeats and sweeps so a
    dead worker is noticed within seconds."""
    database_url = os.environ.get("DATABASE_URL") or None
    return jobs_app(database_url, heartbeat=2, sweep_interval=1, retry_delay=0.1, connect_timeout=1)
