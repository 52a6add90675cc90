"""``authstage worker``: runs the app's jobs in its own process, and says why when it cannot."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from authstage import cli
from authstage.db import Database
from authstage.jobs import Jobs, JobsConfig, JobState
from tests.unit.jobs import sample_tasks as jt
from tests.unit.jobs.sample_tasks import wait_for

ROOT = Path(__file__).resolve().parents[3]
AUTHSTAGE = str(Path(sys.executable).with_name("authstage"))


def test_a_worker_for_an_app_without_jobs_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["worker", "--app", "tests.unit.conftest:build_app"]) == 2
    err = capsys.readouterr().err
    assert err == "authstage: this app has no job queue: add JobsPlugin(...) to its plugins\n"


async def test_two_worker_processes_on_one_database_run_each_job_once(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    queue = Jobs(JobsConfig(tasks=[jt], url="database", run_in_app=False))
    await queue.startup()
    workers = [await _start_worker(database_url) for _ in range(2)]
    ids = [  # 30 jobs of 0.2 s, 2 at a time per worker: one worker alone would take 3 s
        await queue.enqueue(jt.mark, folder=str(tmp_path), name=f"j{i}", seconds=0.2)
        for i in range(30)
    ]
    try:
        for job_id in ids:
            await wait_for(queue, job_id, JobState.DONE)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert await asyncio.wait_for(worker.wait(), 10) == 0
        await queue.shutdown()
    names = await asyncio.to_thread(os.listdir, tmp_path)
    runs = [name.split(".") for name in names]
    assert sorted(name for name, _, _ in runs) == sorted(f"j{i}" for i in range(30))
    assert len({pid for _, pid, _ in runs}) == 2  # both processes took jobs


async def _start_worker(database_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        AUTHSTAGE,
        "worker",
        "--app",
        "tests.unit.jobs.sample_tasks:worker_app",
        "--concurrency",
        "2",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "AUTHSTAGE_JOBS_URL": "database"},
    )


async def test_a_worker_runs_database_jobs_and_stops_on_sigterm(
    database: Database, database_url: str
) -> None:
    jt.RUNS.clear()
    queue = Jobs(JobsConfig(tasks=[jt], url="database", run_in_app=False))
    await queue.startup()
    worker = await _start_worker(database_url)
    try:
        job_id = await queue.enqueue(jt.add, a=40, b=2)
        assert (await wait_for(queue, job_id, JobState.DONE)).result == {"total": 42}
    finally:
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 10) == 0
        await queue.shutdown()
    assert jt.RUNS["add"] == 0  # it ran in the worker process, not here
