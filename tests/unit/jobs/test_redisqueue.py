"""SAQ on the real Redis, with real ``authstage worker`` subprocesses.

Each test has its own queue name (never FLUSHALL; its keys are deleted afterwards). Tests that
break Redis start their own ``redis-server`` on a spare port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from authstage import ConfigurationError, ValidationFailed
from authstage.jobs import Jobs, JobsConfig, JobState
from authstage.testing import ActionClient
from tests.live_server import free_port
from tests.unit.jobs import sample_tasks as jt
from tests.unit.jobs.sample_tasks import wait_for
from tests.unit.redis_server import (
    REDIS_URL,
    PrivateRedis,
    delete_namespace,
    private_redis,
    require_redis,
)

__all__ = ["private_redis"]  # the fixture used here

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[3]
AUTHSTAGE = str(Path(sys.executable).with_name("authstage"))
#: What the worker subprocesses use too (sample_tasks.worker_app): a dead worker shows in seconds.
Worker = subprocess.Popen[bytes]
SETTINGS: dict[str, Any] = {"heartbeat": 2, "sweep_interval": 1, "retry_delay": 0.1}


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A fresh queue on the shared Redis; its keys are removed afterwards."""
    name = f"test-jobs-{os.urandom(4).hex()}"
    client = require_redis()
    yield name
    for namespace in (f"saq:{name}:", f"saq:job:{name}:"):
        delete_namespace(client, namespace)
    client.close()


@pytest.fixture
async def jobs(queue_name: str) -> AsyncIterator[Jobs]:
    queue = Jobs(JobsConfig(tasks=[jt], url=REDIS_URL, queue=queue_name, **SETTINGS))
    await queue.startup()
    yield queue
    await queue.shutdown()


@pytest.fixture
def start_worker(queue_name: str, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    """Starts ``authstage worker`` processes on the test queue; all are stopped afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "AUTHSTAGE_JOBS_URL": REDIS_URL, "AUTHSTAGE_JOBS_QUEUE": queue_name}

    def start() -> Worker:
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [AUTHSTAGE, "worker", "--app", "tests.unit.jobs.sample_tasks:worker_app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_worker_process_runs_jobs_and_another_instance_reads_their_status(
    queue_name: str, start_worker: Callable[[], Worker]
) -> None:
    start_worker()
    settings = {"url": REDIS_URL, "queue": queue_name, **SETTINGS}
    async with (
        AsyncTestClient(jt.jobs_app(**settings)) as one,
        AsyncTestClient(jt.jobs_app(**settings)) as two,
    ):
        job_id = (await ActionClient(one).call(jt.start_add, a=20, b=22)).json()["data"]["job_id"]
        reader = ActionClient(two)
        for _ in range(400):
            status = (await reader.call(jt.status_of, job_id=job_id)).json()["data"]
            if status["status"] == "done":
                break
            await asyncio.sleep(0.05)
    assert status == {
        "id": job_id,
        "task": "tests.unit.jobs.sample_tasks.add",
        "status": "done",
        "progress": 1.0,
        "result": {"total": 42},
        "attempts": 1,
    }


async def test_progress_reported_in_a_worker_is_visible_while_it_runs(
    jobs: Jobs, start_worker: Callable[[], Worker], tmp_path: Path
) -> None:
    start_worker()
    release = tmp_path / "release"
    job_id = await jobs.enqueue(jt.wait_for_file, path=str(release))
    status = await wait_for(jobs, job_id, JobState.RUNNING, progress=0.5)
    assert status.progress == 0.5
    release.write_text("released")
    assert (await wait_for(jobs, job_id, JobState.DONE)).result == "released"


async def test_a_task_that_raises_fails_without_leaking_and_the_worker_runs_the_next(
    jobs: Jobs, start_worker: Callable[[], Worker]
) -> None:
    start_worker()
    exploded = await wait_for(jobs, await jobs.enqueue(jt.explode), JobState.FAILED)
    assert exploded.error is not None
    assert (exploded.error.code, exploded.error.message) == ("INTERNAL", "Internal error")
    assert exploded.error.digest
    assert exploded.attempts == 3  # retried with backoff first
    assert b"hunter2" not in msgspec.json.encode(exploded)
    assert b"Traceback" not in msgspec.json.encode(exploded)
    refused = await wait_for(jobs, await jobs.enqueue(jt.refuse), JobState.FAILED)
    assert refused.error is not None
    assert (refused.error.code, refused.attempts) == ("FORBIDDEN", 1)  # not retried
    after = await wait_for(jobs, await jobs.enqueue(jt.add, a=1, b=2), JobState.DONE)
    assert after.result == {"total": 3}


async def test_a_job_whose_worker_is_killed_is_finished_by_another_worker(
    jobs: Jobs, start_worker: Callable[[], Worker], tmp_path: Path
) -> None:
    first = start_worker()
    job_id = await jobs.enqueue(jt.dies_once, folder=str(tmp_path))
    deadline = time.monotonic() + 20
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, "the first worker never started the job"
        await asyncio.sleep(0.05)
    assert (await jobs.status(job_id)).status is JobState.RUNNING  # type: ignore[union-attr]
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = start_worker()
    started = time.monotonic()
    status = await wait_for(jobs, job_id, JobState.DONE, within=30)
    assert status.result == "finished"
    assert status.attempts >= 2  # at least once: a sweep racing a dequeue may add an attempt
    assert (tmp_path / "finished").read_text() == str(second.pid)
    assert time.monotonic() - started < 30


async def test_a_payload_that_fails_validation_queues_nothing_on_redis(jobs: Jobs) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await jobs.enqueue(jt.send_email, to="nobody", subject="s", body="b")
    assert list(caught.value.field_errors) == ["to"]
    queue: Any = jobs.backend.queue  # type: ignore[attr-defined]
    assert (await queue.count("queued"), await queue.count("incomplete")) == (0, 0)


async def test_redis_unreachable_at_startup_is_one_configuration_error_line() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    jobs = Jobs(JobsConfig(tasks=[jt], url=url, connect_timeout=1))
    started = time.monotonic()
    with pytest.raises(ConfigurationError) as caught:
        await jobs.startup()
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message.startswith("jobs: cannot reach Redis at redis://127.0.0.1:")
    assert "\n" not in message
    assert "hunter2" not in message
    await jobs.shutdown()

    worker = await asyncio.create_subprocess_exec(
        AUTHSTAGE,
        "worker",
        "--app",
        "tests.unit.jobs.sample_tasks:worker_app",
        cwd=ROOT,
        env={**os.environ, "AUTHSTAGE_JOBS_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(worker.communicate(), 20)
    assert worker.returncode == 2
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("authstage: jobs: cannot reach Redis at redis://127.0.0.1:")


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
async def test_redis_down_mid_request_answers_503_with_retry_after_without_hanging(
    private_redis: PrivateRedis, failure: str
) -> None:
    app = jt.jobs_app(url=private_redis.url, queue="down", connect_timeout=1, retry_after=7)
    async with AsyncTestClient(app) as http:
        client = ActionClient(http)
        assert (await client.call(jt.start_add, a=1, b=1)).status_code == 200
        if failure == "stopped":
            private_redis.stop()
        else:  # the server still accepts the connection but never answers
            private_redis.freeze()
        for call in (
            client.call(jt.start_add, a=1, b=1),
            client.call(jt.status_of, job_id="0" * 32),
        ):
            started = time.monotonic()
            reply = await call
            assert time.monotonic() - started < 3
            assert reply.status_code == 503
            assert reply.json()["error"]["code"] == "UNAVAILABLE"
            assert reply.headers["retry-after"] == "7"


async def test_an_attempt_of_a_job_already_done_returns_its_result_without_running_it(
    jobs: Jobs, start_worker: Callable[[], Worker]
) -> None:
    # What a duplicate attempt finds after the first one finished (a sweep re-queued it).
    job_id = await jobs.enqueue(jt.add, a=1, b=2)
    client = require_redis()
    client.set(f"authstage:job:{job_id}:done", msgspec.json.encode({"total": 99}), ex=60)
    start_worker()
    done = await wait_for(jobs, job_id, JobState.DONE, within=30)
    assert done.result == {"total": 99}  # the recorded result: add did not run again (3)
    client.delete(f"authstage:job:{job_id}:done")
    client.close()


async def test_an_attempt_finding_the_job_running_elsewhere_waits_its_turn_and_runs_once(
    jobs: Jobs, start_worker: Callable[[], Worker]
) -> None:
    # Another attempt holds the job's lease until this one has tried once (and then goes away
    # without finishing). The lease is released by the test, not by a clock: a slow worker
    # start must not let the first attempt find it free.
    job_id = await jobs.enqueue(jt.add, a=1, b=2)
    client = require_redis()
    client.set(f"authstage:job:{job_id}:lease", b"1", px=60_000)
    start_worker()
    deadline = time.monotonic() + 30
    # Tried once and queued again: the first attempt found the lease taken.
    while (status := await jobs.status(job_id)) is not None and not (
        status.attempts >= 1 and status.status is JobState.QUEUED
    ):
        assert time.monotonic() < deadline, status
        assert status.status is not JobState.DONE, status
        await asyncio.sleep(0.02)
    client.delete(f"authstage:job:{job_id}:lease")
    done = await wait_for(jobs, job_id, JobState.DONE, within=30)
    assert done.result == {"total": 3}
    assert done.attempts >= 2  # it waited, without spending its retries
    client.delete(f"authstage:job:{job_id}:done")
    client.close()
