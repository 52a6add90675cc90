"""The production job backend: SAQ on Redis, run by ``authstage worker`` processes.

Each job is a SAQ job whose key is our job ID and whose function name is the task's name;
the payload is the validated JSON builtins (tasks.py), so SAQ's JSON serializer carries it
unchanged. What SAQ gives and this module relies on:

- retries with exponential backoff and jitter (``retries``, ``retry_delay``, ``retry_backoff``);
- a per-attempt ``timeout``;
- **a job whose worker dies is retried, not lost**: a running job carries a ``heartbeat``
  (seconds); the task wrapper here touches the job every third of it, and every worker's sweep
  (``sweep_interval``) takes a running job that went quiet for longer as dead and retries it
  while attempts remain (tests/unit/jobs/test_redisqueue.py kills a worker with SIGKILL mid-job).
  A sweep that lands between a worker's dequeue and its start of the job takes it for
  orphaned and queues it again, costing an extra attempt; that attempt does not run the task
  twice: each run holds the job's lease in Redis (refreshed with the heartbeat), an attempt
  finding it taken waits its turn (``_Running``, retried without spending a retry), and one
  finding the job's ``done`` mark returns the recorded result. A task that finished is not run
  again; one killed mid-way may have done part of its work twice, so tasks stay idempotent;
- progress, result and status stored in Redis, readable by every instance for ``result_ttl``.

What callers see of a failure is the ``ErrorBody`` the task wrapper puts in the job's ``meta``
(status.py); SAQ's own ``error`` field holds a traceback and is never returned.

Why plain ``saq`` and not ``litestar-saq``: litestar-saq (read at 0.8) is built around
Litestar's CLI (``litestar workers run``), multiprocessing-spawned workers, queue injection
into route handlers through Litestar DI and an optional web UI. Here workers start with
``authstage worker`` (one SAQ worker per process; scale with processes), actions reach the
queue through ``enqueue`` rather than DI, and the one behaviour we need from it, heartbeats
during long jobs, is a three-line loop below (its ``HeartbeatManager`` runs a thread with its
own event loop to batch them). So it would add a dependency without replacing code.

Redis down: startup fails with one ``ConfigurationError`` line; an ``enqueue`` or status read
gives up after ``connect_timeout`` with 503 ``UNAVAILABLE`` and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from saq import Job, Queue, Status, Worker
from saq.queue.redis import RedisQueue
from saq.types import Context, PartialTimersDict

from authstage.errors import ConfigurationError, ErrorBody, Unavailable, server_name
from authstage.jobs.backend import new_job_id
from authstage.jobs.config import JobsConfig
from authstage.jobs.status import JobState, JobStatus, TaskFailed, execute
from authstage.jobs.tasks import TaskSpec

__all__ = ["SaqBackend"]

_STATES = {
    Status.NEW: JobState.QUEUED,
    Status.QUEUED: JobState.QUEUED,
    Status.ACTIVE: JobState.RUNNING,
    Status.ABORTING: JobState.RUNNING,
    Status.COMPLETE: JobState.DONE,
    Status.FAILED: JobState.FAILED,
    Status.ABORTED: JobState.FAILED,
}
_STOPPED = ErrorBody(code="INTERNAL", message="The job stopped before it finished")
_DOWN = (RedisError, OSError, TimeoutError)


class _Running(Exception):
    """Another attempt of this job holds its lease; SAQ retries this one later."""


def _not_running(record: logging.LogRecord) -> bool:
    """Keep SAQ's "Error processing job" traceback out of the log for ``_Running``: it is a
    job waiting its turn, not an error."""
    return not (record.exc_info and isinstance(record.exc_info[1], _Running))


class SaqBackend:
    """Jobs in a SAQ queue on Redis."""

    def __init__(self, config: JobsConfig, tasks: dict[str, TaskSpec]) -> None:
        assert config.url is not None
        assert config.queue is not None
        self.config = config
        self.tasks = tasks
        self.redis: Redis = Redis.from_url(
            config.url,
            socket_connect_timeout=config.connect_timeout,
            # Above the worker's 1 s blocking dequeue and SAQ's 5 s wait in a sweep; callers'
            # reads and writes are bounded by connect_timeout themselves.
            socket_timeout=max(10.0, config.connect_timeout),
        )
        self.queue: Queue = RedisQueue(self.redis, name=config.queue)

    def _unavailable(self) -> Unavailable:
        return Unavailable(
            "The job queue is unavailable; try again shortly",
            headers={"retry-after": str(self.config.retry_after)},
        )

    async def connect(self) -> None:
        try:
            async with asyncio.timeout(self.config.connect_timeout):
                await self.redis.ping()  # type: ignore[misc]  # redis-py types ping as sync too
        except _DOWN as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ConfigurationError(
                f"jobs: cannot reach Redis at {server_name(self.config.url or '')}: {reason}"
            ) from None
        await self.queue.connect()

    async def close(self) -> None:
        with contextlib.suppress(*_DOWN):
            async with asyncio.timeout(self.config.connect_timeout):
                await self.queue.disconnect()

    async def enqueue(self, spec: TaskSpec, payload: dict[str, Any]) -> str:
        job = Job(
            function=spec.name,
            kwargs=payload,
            key=new_job_id(),
            timeout=spec.timeout or self.config.timeout,
            heartbeat=self.config.heartbeat,
            retries=spec.retries or self.config.retries,
            retry_delay=self.config.retry_delay,
            retry_backoff=self.config.retry_max_delay,
            ttl=self.config.result_ttl,
        )
        try:
            async with asyncio.timeout(self.config.connect_timeout):
                await self.queue.enqueue(job)
        except _DOWN:
            raise self._unavailable() from None
        return job.key

    async def status(self, job_id: str) -> JobStatus | None:
        try:
            async with asyncio.timeout(self.config.connect_timeout):
                job = await self.queue.job(job_id)
        except _DOWN:
            raise self._unavailable() from None
        if job is None:
            return None
        state = _STATES[job.status]
        error = None
        if state is JobState.FAILED:
            stored = job.meta.get("error")
            error = msgspec.convert(stored, ErrorBody) if stored else _STOPPED
        return JobStatus(
            id=job_id,
            task=job.function,
            status=state,
            progress=job.progress,
            result=job.result if state is JobState.DONE else None,
            error=error,
            attempts=job.attempts,
        )

    def _function(self, spec: TaskSpec) -> tuple[str, Any]:
        beat = max(1.0, self.config.heartbeat / 3)
        lease_ms = max(1000, int(self.config.heartbeat * 1000))

        async def keep_alive(job: Job, lease: str) -> None:
            while True:
                await asyncio.sleep(beat)
                await job.update()
                await self.redis.pexpire(lease, lease_ms)

        async def run(ctx: Context, **payload: Any) -> Any:
            job = ctx["job"]
            assert job is not None
            lease, done = f"authstage:job:{job.key}:lease", f"authstage:job:{job.key}:done"
            finished = await self.redis.get(done)
            if finished is not None:  # an earlier attempt finished it: do not run it again
                return msgspec.json.decode(finished)
            if not await self.redis.set(lease, b"1", nx=True, px=lease_ms):
                # Another attempt is running it (SAQ's sweep re-queued a job whose worker
                # had not beaten yet): try again later, without spending a retry on it.
                job.retries += 1
                raise _Running(job.key)

            async def progress(fraction: float) -> None:
                await job.update(progress=fraction)

            alive = asyncio.create_task(keep_alive(job, lease))
            try:
                result = await execute(spec, payload, progress)
                encoded = msgspec.json.encode(result)
                await self.redis.set(done, encoded, ex=max(60, self.config.result_ttl or 0))
                return result
            except TaskFailed as failure:
                job.meta["error"] = msgspec.to_builtins(failure.error)
                if not failure.retry:
                    job.retries = job.attempts  # SAQ retries while retries > attempts
                raise
            finally:
                alive.cancel()
                with contextlib.suppress(asyncio.CancelledError, *_DOWN):
                    await alive
                with contextlib.suppress(*_DOWN):
                    await self.redis.delete(lease)

        return spec.name, run

    async def run(self) -> None:
        """Run a SAQ worker on this queue until cancelled (``authstage worker``)."""
        worker: Worker[Context] = Worker(
            self.queue,
            functions=[self._function(spec) for spec in self.tasks.values()],
            concurrency=self.config.concurrency or 1,
            timers=PartialTimersDict(  # SAQ's defaults but the sweep
                schedule=1, worker_info=10, abort=1, sweep=max(1, round(self.config.sweep_interval))
            ),
            dequeue_timeout=1.0,
        )
        logging.getLogger("saq").addFilter(_not_running)
        worker.SIGNALS = []  # the process's signals belong to its owner (authstage worker, uvicorn)
        await worker.start()
