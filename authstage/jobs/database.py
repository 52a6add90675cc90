"""The embedded job runner: job rows in the app's own database, run inside the app's process.

Nothing to install or start: ``enqueue`` inserts a row into ``authstage_job`` (tables.py) and a
loop in the same process claims due rows and runs them, ``concurrency`` at a time. The table
is the queue, so pending jobs survive a restart and ``job_status`` works from any process that
shares the database.

Claiming is one statement, the same on both engines::

    UPDATE authstage_job SET status = 'running', attempts = attempts + 1, locked_until = <lease>
    WHERE id = (SELECT id FROM authstage_job WHERE <due, or running with its lease passed>
                ORDER BY id LIMIT 1 [FOR UPDATE SKIP LOCKED])
    RETURNING ...

It is hand-written because Piccolo's query builder has no ``FOR UPDATE SKIP LOCKED`` and no
``UPDATE ... RETURNING`` with a subquery. On PostgreSQL ``SKIP LOCKED`` lets several processes
(app instances, or ``authstage worker`` with ``AUTHSTAGE_JOBS_URL=database``) claim from one
table without taking the same job. A running job holds a lease of ``heartbeat`` seconds that
its runner renews; every later write names the attempt it belongs to, so a runner whose lease
was taken over cannot overwrite the new attempt's outcome.

What is guaranteed, and what is not:

- **At least once.** A job runs to an outcome (done, or failed after its attempts), unless its
  rows are deleted. A job that was running when its process died is run again: at the next
  start of a runner on the same host (each claim records ``host:pid``, and a pid that no longer
  runs is dead), else by any runner once its lease passes. Tasks should be idempotent.
- A job queued inside a transaction belongs to it: Piccolo runs the insert on the
  transaction's connection, so a rollback takes the job away too.
- An app stopped gracefully puts its running jobs back in the queue without counting the
  attempt.
- Claims are atomic on both engines (one statement), so several processes on one SQLite file
  never take the same job either; but SQLite serialises every write, so many instances belong
  on PostgreSQL, or on SAQ with Redis (redisqueue.py).
- Polling: an idle runner looks for due jobs every ``poll_interval``; a job queued by the same
  process starts at once. Finished rows are deleted ``result_ttl`` after they finish, at start.

Cost: per job an insert, the claim, one write per progress report or lease renewal, and the
final write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import msgspec
from piccolo.engine.postgres import PostgresEngine

from authstage.errors import ErrorBody
from authstage.jobs.backend import new_job_id
from authstage.jobs.config import JobsConfig
from authstage.jobs.status import JobState, JobStatus, TaskFailed, error_from_json, execute
from authstage.jobs.tables import JobRecord
from authstage.jobs.tasks import TaskSpec
from authstage.outage import DATABASE, is_database_down
from authstage.waits import event_within

__all__ = ["DatabaseBackend"]

logger = logging.getLogger("authstage.jobs")
T = TypeVar("T")

_CLAIM = """
UPDATE authstage_job SET status = 'running', attempts = attempts + 1,
    locked_until = {}, owner = {}, updated_at = {}
WHERE id = (
    SELECT id FROM authstage_job
    WHERE (status = 'queued' AND run_after <= {}) OR (status = 'running' AND locked_until < {})
    ORDER BY id LIMIT 1 %s
)
RETURNING id, key, task, payload, attempts, max_attempts
"""
_HOST = socket.gethostname()
_LOST = ErrorBody(code="INTERNAL", message="The job's process stopped before it finished")
_TIMED_OUT = ErrorBody(code="INTERNAL", message="The job ran past its time limit")


async def _uncancelled(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` to its end even when the caller is cancelled, then pass the cancel on.

    A cancelled query would leave aiosqlite's connection thread running after the caller
    moved on (and, at shutdown, after the loop closed); the runner's own statements are short,
    so it waits for them instead.
    """
    inner = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        await inner
        raise


def _alive(owner: str) -> bool:
    """Whether the process ``host:pid`` (on this host) still runs."""
    pid = owner.rpartition(":")[2]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return True


class DatabaseBackend:
    """Jobs as rows of ``authstage_job``, run by the process that serves the app."""

    def __init__(self, config: JobsConfig, tasks: dict[str, TaskSpec]) -> None:
        self.config = config
        self.tasks = tasks
        self._wake = asyncio.Event()

    async def connect(self) -> None:
        """Nothing to reach: the app's database is opened by its own startup hook."""

    async def close(self) -> None:
        """Nothing to release."""

    async def enqueue(self, spec: TaskSpec, payload: dict[str, Any]) -> str:
        now = time.time()
        job_id = new_job_id()
        await JobRecord.insert(
            JobRecord(
                key=job_id,
                task=spec.name,
                payload=msgspec.json.encode(payload).decode(),
                status=JobState.QUEUED.value,
                max_attempts=spec.retries or self.config.retries,
                run_after=now,
                created_at=now,
                updated_at=now,
            )
        )
        self._wake.set()
        return job_id

    async def status(self, job_id: str) -> JobStatus | None:
        row = await JobRecord.select().where(JobRecord.key == job_id).first()
        if row is None:
            return None
        state = JobState(row["status"])
        return JobStatus(
            id=job_id,
            task=row["task"],
            status=state,
            progress=row["progress"],
            result=msgspec.json.decode(row["result"]) if row["result"] is not None else None,
            error=error_from_json(row["error"]) if state is JobState.FAILED else None,
            attempts=row["attempts"],
        )

    # -- running ---------------------------------------------------------------------------

    def _postgres(self) -> bool:
        return isinstance(JobRecord._meta.db, PostgresEngine)

    async def _claim(self) -> dict[str, Any] | None:
        now = time.time()
        sql = _CLAIM % ("FOR UPDATE SKIP LOCKED" if self._postgres() else "")
        owner = f"{_HOST}:{os.getpid()}"  # read per claim: a forked server has its own pid
        rows = await JobRecord.raw(sql, now + self.config.heartbeat, owner, now, now, now)
        return rows[0] if rows else None

    async def _write(self, row: dict[str, Any], values: dict[Any, Any]) -> None:
        """Update the job of ``row`` if it is still this attempt's (see the module docstring)."""
        await JobRecord.update({**values, JobRecord.updated_at: time.time()}).where(
            (JobRecord.id == row["id"]) & (JobRecord.attempts == row["attempts"])
        )

    async def _renew(self, row: dict[str, Any], progress: float | None = None) -> None:
        values: dict[Any, Any] = {JobRecord.locked_until: time.time() + self.config.heartbeat}
        if progress is not None:
            values[JobRecord.progress] = progress
        await self._write(row, values)

    async def _keep_lease(self, row: dict[str, Any]) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat / 3)
            await _uncancelled(self._renew(row))

    async def _fail(self, row: dict[str, Any], error: ErrorBody, *, retry: bool) -> None:
        failed = {
            JobRecord.error: msgspec.json.encode(error).decode(),
            JobRecord.locked_until: 0.0,
        }
        if retry and row["attempts"] < row["max_attempts"]:
            due = time.time() + self.config.backoff(row["attempts"])
            await self._write(
                row, {**failed, JobRecord.status: JobState.QUEUED.value, JobRecord.run_after: due}
            )
        else:
            await self._write(row, {**failed, JobRecord.status: JobState.FAILED.value})

    async def _release(self, row: dict[str, Any]) -> None:
        """A graceful stop: the job goes back to the queue, its attempt not counted."""
        back = {
            JobRecord.status: JobState.QUEUED.value,
            JobRecord.attempts: row["attempts"] - 1,
            JobRecord.locked_until: 0.0,
            JobRecord.progress: 0.0,
        }
        await self._write(row, back)

    async def _run_one(self, row: dict[str, Any]) -> None:
        spec = self.tasks.get(row["task"])
        if row["attempts"] > row["max_attempts"]:
            await self._fail(row, _LOST, retry=False)
            return
        if spec is None:
            error = ErrorBody(code="NOT_FOUND", message=f"no task {row['task']!r} is registered")
            await self._fail(row, error, retry=False)
            return
        lease = asyncio.create_task(self._keep_lease(row))
        try:
            async with asyncio.timeout(spec.timeout or self.config.timeout):
                payload = msgspec.json.decode(row["payload"])
                result = await execute(spec, payload, lambda f: _uncancelled(self._renew(row, f)))
        except TaskFailed as failure:
            await self._fail(row, failure.error, retry=failure.retry)
        except TimeoutError:
            await self._fail(row, _TIMED_OUT, retry=True)
        except asyncio.CancelledError:
            await _uncancelled(self._release(row))
            raise
        else:
            done = {
                JobRecord.status: JobState.DONE.value,
                JobRecord.progress: 1.0,
                JobRecord.result: msgspec.json.encode(result).decode(),
                JobRecord.locked_until: 0.0,
            }
            await self._write(row, done)
        finally:
            lease.cancel()

    async def _prepare(self) -> None:
        """At start: forget old finished jobs; release running jobs whose process is gone."""
        cutoff = time.time() - self.config.result_ttl
        finished = JobRecord.status.is_in([JobState.DONE.value, JobState.FAILED.value])
        await JobRecord.delete().where(finished & (JobRecord.updated_at < cutoff))
        running = await JobRecord.select(JobRecord.id, JobRecord.owner).where(
            (JobRecord.status == JobState.RUNNING.value) & JobRecord.owner.like(f"{_HOST}:%")
        )
        dead = [row["id"] for row in running if not _alive(row["owner"])]
        if dead:
            await JobRecord.update({JobRecord.locked_until: 0.0}).where(JobRecord.id.is_in(dead))

    async def _run_logged(self, row: dict[str, Any]) -> None:
        try:
            await self._run_one(row)
        except Exception:  # the database went away mid-job: the lease brings the job back
            logger.exception("job %s: recording its outcome failed", row["key"])

    async def run(self) -> None:
        """Claim and run due jobs, ``concurrency`` at a time, until cancelled."""
        await _uncancelled(self._prepare())
        slots = asyncio.Semaphore(self.config.concurrency or 1)
        running: set[asyncio.Task[None]] = set()

        def finished(job: asyncio.Task[None]) -> None:
            running.discard(job)
            slots.release()

        try:
            while True:
                await slots.acquire()
                self._wake.clear()
                claim = asyncio.ensure_future(self._claim())
                try:
                    row = await asyncio.shield(claim)
                except asyncio.CancelledError:  # stopped mid-claim: let it end, put it back
                    slots.release()
                    with contextlib.suppress(Exception):
                        if claimed := await claim:
                            await self._release(claimed)
                    raise
                except Exception as exc:
                    if is_database_down(exc):
                        DATABASE.failed(exc)  # an outage is one line, not one per poll
                    else:
                        logger.exception("claiming a job failed; trying again")
                    row = None
                if row is None:
                    slots.release()
                    await event_within(self._wake, self.config.poll_interval)
                    continue
                job = asyncio.create_task(self._run_logged(row))
                running.add(job)
                job.add_done_callback(finished)
        finally:
            for job in running:
                job.cancel()
            await asyncio.gather(*running, return_exceptions=True)
