"""The embedded job runner, on SQLite and PostgreSQL (the ``database`` fixture runs each twice)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from authstage import ConfigurationError, ValidationFailed
from authstage.db import Database, write_transaction
from authstage.jobs import Jobs, JobsConfig, JobState, task
from authstage.jobs.tables import JobRecord
from authstage.testing import ActionClient
from tests.unit.jobs import sample_tasks as jt
from tests.unit.jobs.sample_tasks import wait_for

FAST = {"url": "database", "poll_interval": 0.05, "retry_delay": 0.01, "tasks": [jt]}


def make_jobs(**overrides: Any) -> Jobs:
    return Jobs(JobsConfig(**{**FAST, **overrides}))


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    jt.RUNS.clear()
    jt.GATES.clear()


@pytest.fixture
async def jobs(database: Database) -> AsyncIterator[Jobs]:
    queue = make_jobs()
    await queue.startup()
    yield queue
    await queue.shutdown()


async def test_a_queued_job_runs_and_its_result_is_readable(jobs: Jobs) -> None:
    job_id = await jobs.enqueue(jt.add, a=2, b=3)
    assert len(job_id) == 32
    status = await wait_for(jobs, job_id, JobState.DONE)
    assert (status.result, status.progress, status.attempts) == ({"total": 5}, 1.0, 1)
    assert status.task == "tests.unit.jobs.sample_tasks.add"


async def test_progress_the_task_reports_is_visible_while_it_runs(jobs: Jobs) -> None:
    jt.GATES["p"] = asyncio.Event()
    job_id = await jobs.enqueue(jt.gated, name="p")
    running = await wait_for(jobs, job_id, JobState.RUNNING, progress=0.5)
    assert running.progress == 0.5
    jt.GATES["p"].set()
    assert (await wait_for(jobs, job_id, JobState.DONE)).result == "p"


async def test_a_task_that_raises_fails_without_leaking_and_the_runner_runs_the_next(
    jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    failing = await jobs.enqueue(jt.explode)
    status = await wait_for(jobs, failing, JobState.FAILED)
    assert status.error is not None
    assert (status.error.code, status.error.message) == ("INTERNAL", "Internal error")
    assert status.error.digest and status.error.digest in caplog.text  # the log has the detail
    assert b"hunter2" not in msgspec.json.encode(status)
    assert jt.RUNS["explode"] == 3  # unexpected errors are retried: 3 attempts by default
    after = await jobs.enqueue(jt.add, a=1, b=1)
    assert (await wait_for(jobs, after, JobState.DONE)).result == {"total": 2}


async def test_an_expected_error_fails_the_job_at_once_with_its_code(jobs: Jobs) -> None:
    status = await wait_for(jobs, await jobs.enqueue(jt.refuse), JobState.FAILED)
    assert status.error is not None
    assert (status.error.code, status.error.message) == ("FORBIDDEN", "Not your export")
    assert jt.RUNS["refuse"] == 1  # retrying cannot help an ActionError


async def test_an_unexpected_error_is_retried_with_backoff_until_it_succeeds(jobs: Jobs) -> None:
    job_id = await jobs.enqueue(jt.flaky, name="f", failures=2)
    status = await wait_for(jobs, job_id, JobState.DONE)
    assert (status.result, status.attempts, status.error) == (3, 3, None)
    assert make_jobs().config.backoff(1) == 0.01
    assert make_jobs().config.backoff(3) == 0.04


@pytest.mark.parametrize(
    ("fn", "kwargs", "field"),
    [
        (jt.add, {"a": "two", "b": 3}, "a"),
        (jt.add, {"a": 1}, "b"),
        (jt.add, {"a": 1, "b": 2, "c": 3}, "c"),
        (jt.send_email, {"to": "not-an-address", "subject": "s", "body": "b"}, "to"),
    ],
)
async def test_a_payload_that_fails_validation_fails_the_enqueue_and_queues_nothing(
    jobs: Jobs, fn: Any, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await jobs.enqueue(fn, **kwargs)
    assert field in caught.value.field_errors
    assert caught.value.status == 422
    assert await JobRecord.count() == 0


async def test_a_job_queued_in_a_transaction_that_rolls_back_is_not_queued(jobs: Jobs) -> None:
    async def queue_then_fail() -> None:
        async with write_transaction():
            await jobs.enqueue(jt.add, a=1, b=2)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await queue_then_fail()
    assert await JobRecord.count() == 0


async def test_a_task_the_app_did_not_list_is_refused(jobs: Jobs) -> None:
    @task
    async def stray() -> None: ...

    with pytest.raises(ConfigurationError, match="not in this app's JobsConfig"):
        await jobs.enqueue(stray)


async def test_pending_jobs_resume_after_a_restart(database: Database) -> None:
    first = make_jobs(concurrency=1)
    await first.startup()
    jt.GATES["r"] = asyncio.Event()
    running = await first.enqueue(jt.gated, name="r")
    pending = await first.enqueue(jt.add, a=4, b=4)
    await wait_for(first, running, JobState.RUNNING, progress=0.5)
    await first.shutdown()  # stopped with one job running and one queued
    assert (await first.status(running)).status is JobState.QUEUED  # type: ignore[union-attr]
    assert (await first.status(pending)).status is JobState.QUEUED  # type: ignore[union-attr]

    second = make_jobs()
    jt.GATES["r"].set()
    await second.startup()
    try:
        assert (await wait_for(second, pending, JobState.DONE)).result == {"total": 8}
        resumed = await wait_for(second, running, JobState.DONE)
        assert resumed.attempts == 1  # a graceful stop does not count as an attempt
    finally:
        await second.shutdown()


async def test_a_job_running_when_its_process_died_is_run_again(database: Database) -> None:
    idle = make_jobs(run_in_app=False)
    await idle.startup()
    job_id = await idle.enqueue(jt.add, a=1, b=2)
    await idle.shutdown()
    # What a killed process leaves: the row claimed, its lease still running for a second.
    await JobRecord.update(
        {
            JobRecord.status: "running",
            JobRecord.attempts: 1,
            JobRecord.locked_until: time.time() + 1,
        }
    ).where(JobRecord.key == job_id)

    restarted = make_jobs(heartbeat=1)
    await restarted.startup()
    try:
        status = await wait_for(restarted, job_id, JobState.DONE, within=5)
        assert (status.result, status.attempts) == ({"total": 3}, 2)
    finally:
        await restarted.shutdown()


async def test_a_job_whose_process_is_gone_reruns_at_start_without_waiting_for_its_lease(
    database: Database,
) -> None:
    idle = make_jobs(run_in_app=False)
    await idle.startup()
    job_id = await idle.enqueue(jt.add, a=5, b=5)
    await idle.shutdown()
    dead = await asyncio.create_subprocess_exec("true")
    await dead.wait()
    await JobRecord.update(
        {
            JobRecord.status: "running",
            JobRecord.attempts: 1,
            JobRecord.locked_until: time.time() + 3600,  # the lease alone would wait an hour
            JobRecord.owner: f"{socket.gethostname()}:{dead.pid}",
        }
    ).where(JobRecord.key == job_id)

    restarted = make_jobs()
    await restarted.startup()
    try:
        assert (await wait_for(restarted, job_id, JobState.DONE, within=5)).attempts == 2
    finally:
        await restarted.shutdown()


async def test_two_runners_on_one_database_never_run_a_job_twice(database: Database) -> None:
    one, two = make_jobs(), make_jobs()
    await one.startup()
    await two.startup()
    try:
        ids = [
            await one.enqueue(jt.send_email, to=f"u{i}@x.io", subject="s", body="b")
            for i in range(20)
        ]
        for job_id in ids:
            await wait_for(one, job_id, JobState.DONE)
    finally:
        await one.shutdown()
        await two.shutdown()
    assert all(jt.RUNS[f"email:u{i}@x.io"] == 1 for i in range(20))


async def test_job_status_is_read_from_another_app_instance(
    database: Database, database_url: str
) -> None:
    fast = {k: v for k, v in FAST.items() if k != "tasks"}
    async with AsyncTestClient(jt.jobs_app(database_url, **fast)) as http:
        client = ActionClient(http)
        reply = await client.call(jt.announce, recipients=["a@x.io", "b@x.io"], message="hi")
        assert reply.json()["data"] == 2
        job_id = (await client.call(jt.start_add, a=20, b=22)).json()["data"]["job_id"]
        for _ in range(200):
            status = (await client.call(jt.status_of, job_id=job_id)).json()["data"]
            if status["status"] == "done":
                break
            await asyncio.sleep(0.02)
    async with AsyncTestClient(jt.jobs_app(database_url, run_in_app=False, **fast)) as http:
        reply = await ActionClient(http).call(jt.status_of, job_id=job_id)
    assert reply.json()["data"] == {
        "id": job_id,
        "task": "tests.unit.jobs.sample_tasks.add",
        "status": "done",
        "progress": 1.0,
        "result": {"total": 42},
        "attempts": 1,
    }
    assert (jt.RUNS["email:a@x.io"], jt.RUNS["email:b@x.io"]) == (1, 1)


async def test_an_invalid_payload_from_an_action_answers_422_and_queues_nothing(
    database: Database, database_url: str
) -> None:
    async with AsyncTestClient(jt.jobs_app(database_url, run_in_app=False)) as http:
        client = ActionClient(http)
        reply = await client.call(jt.start_add, a="lots", b=1)
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "VALIDATION"
    assert list(reply.json()["error"]["fieldErrors"]) == ["a"]
    assert await JobRecord.count() == 0


async def test_an_unknown_or_malformed_job_id_answers_404(
    database: Database, database_url: str
) -> None:
    async with AsyncTestClient(jt.jobs_app(database_url, run_in_app=False)) as http:
        client = ActionClient(http)
        unknown = await client.call(jt.status_of, job_id="0" * 32)
        malformed = await client.call(jt.status_of, job_id="x' OR 1=1 --" * 100)
    assert (unknown.status_code, malformed.status_code) == (404, 404)
    assert unknown.json()["error"]["code"] == "NOT_FOUND"


def test_the_runner_stops_before_the_app_closes_its_database(database_url: str) -> None:
    """Litestar runs shutdown hooks in the order listed: the queue's comes before the app's
    own (closing the database), so a runner busy at shutdown never meets a closed pool."""
    app = jt.jobs_app(database_url)
    owners = [type(getattr(hook, "__self__", None)).__name__ for hook in app.on_shutdown]
    assert owners.index("Jobs") < owners.index("Database")
    assert [type(getattr(h, "__self__", None)).__name__ for h in app.on_startup][-1] == "Jobs"
