"""An app whose rate limits, cache and job queue all live on one Redis (the fault tests'
private one): a limited action, a cached read, an action that enqueues, and one needing none."""

from __future__ import annotations

from litestar import Litestar

from authstage import AuthstagePlugin, Cache, action
from authstage.jobs import JobsConfig, JobsPlugin, enqueue, task

SECRET = "redis-outage-secret-0123456789abcdef0123456789"
cache = Cache(timeout=0.5)  # on AUTHSTAGE_CACHE_URL, read when the app starts
READS: list[int] = []


@task
async def noop() -> None:
    return None


@action(public=True, rate_limit="1000/minute")
async def limited() -> str:
    return "counted"


@action(public=True)
@cache.cached(tags=["numbers"], ttl=60)
async def cached_number() -> int:
    READS.append(1)
    return len(READS)


@action(public=True)
async def start_job() -> str:
    return await enqueue(noop)


@action(public=True)
async def plain() -> str:
    return "no Redis needed"


def redis_app(redis_url: str) -> Litestar:
    """The app with its jobs on ``redis_url``; the rate limits and the cache find it in the
    environment (``AUTHSTAGE_RATE_LIMIT_STORAGE``, ``AUTHSTAGE_CACHE_URL``), as in production."""
    READS.clear()
    plugin = AuthstagePlugin(
        actions=[__name__], secret=SECRET, production=False, debug=False, caches=[cache]
    )
    jobs = JobsPlugin(
        JobsConfig(url=redis_url, queue="outage", tasks=[__name__], connect_timeout=1)
    )
    return Litestar(plugins=[plugin, jobs])
