"""Work shared by the instances: limits, cached reads, jobs, and a worker killed mid-job.

Each test acts on instance A and checks the effect through instance B. The demo's actions are
called through the generated client; the suite's own (scaleout_tasks.py, not in the client)
by their manifest IDs, as any HTTP client would.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from authstage_client import AsyncClient, PostIn, SignupIn

from tests.scaleout import scaleout_tasks
from tests.scaleout.cluster import Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "correct horse battery"
SUITE = "tests.scaleout.scaleout_tasks"


async def signed_up(url: str) -> AsyncClient:
    client = AsyncClient(url)
    address = f"u{secrets.token_hex(5)}@example.com"
    await client.signup(SignupIn(email=address, password=PASSWORD, name="Ada"))
    return client


async def call(url: str, name: str, **args: Any) -> httpx.Response:
    """Call the suite's action ``name`` on the instance at ``url``."""
    async with httpx.AsyncClient(timeout=10) as http:
        manifest = (await http.get(f"{url}/_action/manifest")).json()["actions"]
        headers = {"authstage-action": manifest[f"{SUITE}.{name}"]}
        return await http.post(f"{url}/_action", json=args, headers=headers)


async def data(url: str, name: str, **args: Any) -> Any:
    reply = await call(url, name, **args)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


async def test_a_per_action_rate_limit_is_counted_across_both_instances(cluster: Cluster) -> None:
    for n in range(scaleout_tasks.LIMIT):  # the budget, spent half on A, half on B
        assert await data(cluster.a.url if n % 2 == 0 else cluster.b.url, "limited") == "counted"
    for instance in (cluster.a, cluster.b):
        refused = await call(instance.url, "limited")
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["retry-after"]) > 0


async def test_a_tag_revalidated_by_an_action_on_a_makes_the_cached_read_on_b_fresh(
    cluster: Cluster,
) -> None:
    before = await data(cluster.b.url, "post_count")
    assert await data(cluster.b.url, "post_count") == before  # cached on B (and in Redis)
    async with await signed_up(cluster.a.url) as a:
        await a.create_post(PostIn(title="Cached", content="Counted on the other instance"))
    # The very next read on B sees the post: the tag's counter moved in Redis.
    assert await data(cluster.b.url, "post_count") == before + 1
    assert await data(cluster.a.url, "post_count") == before + 1


async def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_an_export_queued_on_a_runs_on_the_worker_and_b_shows_it_ready(
    cluster: Cluster,
) -> None:
    a = await signed_up(cluster.a.url)
    token = a.cookies.get("authstage_session")
    assert token
    async with a, AsyncClient(cluster.b.url, cookies={"authstage_session": token}) as b:
        started = await a.start_export()
        assert started.status == "pending"

        async def ready() -> Any:
            [export] = await b.list_exports()
            return export if export.status == "ready" else None

        export = await wait_for(ready, 20, "the export never became ready")
        assert export.id == started.id
        assert export.progress == 100
        async with httpx.AsyncClient(cookies={"authstage_session": token}) as http:
            served = await http.get(f"{cluster.b.url}{export.download}")
        assert served.status_code == 200
        assert served.json()["profile"]["name"] == "Ada"


async def test_a_job_queued_on_a_reports_its_progress_on_b_while_the_worker_runs_it(
    cluster: Cluster, tmp_path: Path
) -> None:
    marker = tmp_path / "progress.log"
    job = await data(cluster.a.url, "start_slow", marker=str(marker), steps=10, pause=0.3)
    seen: list[float] = []

    async def finished() -> bool:
        status = await data(cluster.b.url, "slow_status", job_id=job)
        if status["status"] == "running":
            seen.append(status["progress"])
        return bool(status["status"] == "done")

    await wait_for(finished, 30, "the job never finished")
    status = await data(cluster.b.url, "slow_status", job_id=job)
    assert (status["result"], status["progress"], status["attempts"]) == (10, 1.0, 1)
    assert any(0 < p < 1 for p in seen), seen  # progress seen part way, on the other instance
    assert seen == sorted(seen)


async def test_a_worker_killed_mid_job_has_its_job_retried_and_finished_not_lost(
    cluster: Cluster, tmp_path: Path
) -> None:
    marker = tmp_path / "attempts.log"
    job = await data(cluster.a.url, "start_slow", marker=str(marker), steps=20, pause=0.2)

    async def running() -> bool:
        return marker.exists() and "start" in marker.read_text()

    await wait_for(running, 30, "the job never started")
    worker = cluster.worker.process
    assert worker is not None
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    cluster.worker.process = None
    cluster.start_worker()

    async def done() -> bool:
        status = await data(cluster.b.url, "slow_status", job_id=job)
        return bool(status["status"] == "done")

    await wait_for(done, 60, "the job was lost with its worker")
    status = await data(cluster.b.url, "slow_status", job_id=job)
    lines = marker.read_text().split("\n")
    starts = [line for line in lines if line.startswith("start")]
    finished = [line for line in lines if line.startswith("done")]
    # The killed attempt and the retry; a sweep landing between a worker's dequeue and its
    # start of the job may add an attempt, which finds the job's lease taken or the job done
    # and does not run it again: it finishes exactly once.
    assert len(starts) >= 2, lines
    assert len(finished) == 1, lines
    assert status["result"] == 20


def test_the_cluster_logs_no_tracebacks(cluster: Cluster) -> None:
    assert not re.search(r"Traceback \(most recent call last\)", cluster.logs())
