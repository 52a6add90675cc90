"""The scale-out app's own actions and task, next to the demo's: what the suite must observe
across processes and the demo does not expose.

- ``limited``: a per-action rate limit (``@action(rate_limit=...)``), counted in the shared
  Redis, so both instances count one budget.
- ``post_count``: a read cached in the shared Redis under the demo's ``posts`` tag, which the
  demo's ``create_post`` revalidates. Its cache is the cluster's own (a namespace per cluster):
  a cache in one test process's memory would be shared by every app it builds over other
  databases, which is why the count is cached here and not in the demo app itself.
- ``slow_job``: a job that records each attempt in a file, reports progress and takes a while,
  so a test can watch it run on the worker, kill the worker mid-job and count the attempts.
  ``start_slow`` queues it and ``slow_status`` reads its status from any instance.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from actions.tables import Post
from authstage import Cache, JobStatus, action, enqueue, job_status, report_progress, task

__all__ = ["cache", "limited", "post_count", "slow_job", "slow_status", "start_slow"]

#: The cluster's cache: ``REDIS_URL``, under the cluster's namespace.
cache = Cache(namespace=f"{os.environ.get('AUTHSTAGE_STORES_NAMESPACE', 'scaleout')}:cache:")
#: Calls of ``limited`` allowed per minute per client address, on all instances together.
LIMIT = 4


@action(public=True, rate_limit=f"{LIMIT}/minute")
async def limited() -> str:
    return "counted"


@cache.cached(tags=["posts"], ttl=300)
async def _count() -> int:
    count: int = await Post.count()
    return count


@action(public=True)
async def post_count() -> int:
    """How many posts there are, read through the cache."""
    return await _count()


def _note(marker: str, what: str) -> None:
    with Path(marker).open("a", encoding="utf-8") as out:
        out.write(f"{what} {os.getpid()}\n")


@task(retries=3)
async def slow_job(marker: str, steps: int, pause: float) -> int:
    """Append ``start`` to ``marker``, take ``steps`` steps of ``pause`` seconds reporting
    progress, append ``done``; the number of steps."""
    await asyncio.to_thread(_note, marker, "start")
    for step in range(steps):
        await asyncio.sleep(pause)
        await report_progress((step + 1) / steps)
    await asyncio.to_thread(_note, marker, "done")
    return steps


@action(public=True)
async def start_slow(marker: str, steps: int = 10, pause: float = 0.2) -> str:
    """Queue ``slow_job``; its job ID."""
    return await enqueue(slow_job, marker=marker, steps=steps, pause=pause)


@action(public=True)
async def slow_status(job_id: str) -> JobStatus:
    return await job_status(job_id)
