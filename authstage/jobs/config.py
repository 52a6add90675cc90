"""``JobsConfig``: every setting of the job queue, each one documented, resolved once.

Unset values come from the environment, so the embedded runner and SAQ on Redis switch by
configuration alone:

==============================  ===============================================================
``AUTHSTAGE_JOBS_URL``          ``redis://host:6379/0`` for SAQ; ``database`` (or unset with no
                                ``REDIS_URL``) for the runner in the app's database
``REDIS_URL``                   used for SAQ when ``AUTHSTAGE_JOBS_URL`` is unset
``AUTHSTAGE_JOBS_QUEUE``        the queue's name (default ``authstage``)
``AUTHSTAGE_JOBS_CONCURRENCY``  jobs one process runs at once (default 10)
==============================  ===============================================================

``resolve`` returns a new frozen value and never edits the caller's. Cost: paid once, when
the plugin is built; nothing here runs per job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from authstage.errors import ConfigurationError, server_name

__all__ = ["JobsConfig"]

DATABASE = "database"


@dataclass(frozen=True)
class JobsConfig:
    """Configuration of ``JobsPlugin``."""

    tasks: Sequence[ModuleType | Callable[..., Any] | str] = ()
    """Modules (or their import paths) whose ``@task`` functions may be queued, or tasks."""

    url: str | None = None
    """``redis://...`` runs jobs on SAQ workers (``authstage worker``); ``"database"`` in the
    app's own database. Unset: ``AUTHSTAGE_JOBS_URL``, else ``REDIS_URL``, else database."""

    queue: str | None = None
    """The queue's name; apps sharing a Redis use different names. ``AUTHSTAGE_JOBS_QUEUE``
    when unset, else ``authstage``."""

    concurrency: int | None = None
    """Jobs one process runs at once; ``AUTHSTAGE_JOBS_CONCURRENCY`` when unset, else 10."""

    run_in_app: bool | None = None
    """Run jobs inside the app's process. Default: yes for the database runner (nothing else
    to start), no for SAQ, where ``authstage worker`` processes run them."""

    retries: int = 3
    """Attempts in all for a job whose task raised an unexpected error (``@task`` overrides)."""

    retry_delay: float = 1.0
    """Seconds before the first retry; each later one waits twice as long (with jitter on SAQ)."""

    retry_max_delay: float = 300.0
    """The longest wait between two attempts, in seconds."""

    timeout: int = 600
    """Seconds one attempt may run before it is cancelled and counted as failed."""

    heartbeat: int = 30
    """Seconds a running job may go without a sign of life from its process before it is taken
    as lost and run again (SAQ's heartbeat; the database runner's lease)."""

    sweep_interval: float = 10.0
    """How often a SAQ worker looks for jobs whose worker died (seconds)."""

    poll_interval: float = 1.0
    """How often the database runner looks for due jobs when idle (seconds); a job queued by
    the same process starts at once."""

    result_ttl: int = 7 * 24 * 3600
    """Seconds a finished job's status, result or error stays readable."""

    connect_timeout: float = 2.0
    """Seconds to wait for Redis at startup and on each enqueue or status read; past it the
    caller gets 503 ``UNAVAILABLE`` instead of a hang."""

    retry_after: int = 5
    """The ``Retry-After`` (seconds) sent with that 503."""

    @property
    def uses_redis(self) -> bool:
        """True when jobs go to SAQ on Redis (after ``resolve``)."""
        return self.url not in (None, DATABASE)

    def resolve(self) -> JobsConfig:
        """This configuration with the environment filled in and every value checked.

        Raises:
            ConfigurationError: a setting is invalid.
        """
        url = self.url
        if url is None:
            env = os.environ.get("AUTHSTAGE_JOBS_URL", "").strip()
            url = env or os.environ.get("REDIS_URL", "").strip() or DATABASE
        if url != DATABASE and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
            raise ConfigurationError(
                f"jobs url {server_name(url)!r}: use redis://host:6379/0 for SAQ, or "
                f"{DATABASE!r} (the default) for the runner in the app's database"
            )
        concurrency = self.concurrency
        if concurrency is None:
            raw = os.environ.get("AUTHSTAGE_JOBS_CONCURRENCY", "").strip() or "10"
            if not raw.isdigit():
                raise ConfigurationError(f"AUTHSTAGE_JOBS_CONCURRENCY must be a number: {raw!r}")
            concurrency = int(raw)
        queue = self.queue or os.environ.get("AUTHSTAGE_JOBS_QUEUE", "").strip() or "authstage"
        numbers = {
            "concurrency": concurrency,
            "retries": self.retries,
            "timeout": self.timeout,
            "heartbeat": self.heartbeat,
            "sweep_interval": self.sweep_interval,
            "poll_interval": self.poll_interval,
            "result_ttl": self.result_ttl,
            "connect_timeout": self.connect_timeout,
            "retry_after": self.retry_after,
        }
        if bad := [name for name, value in numbers.items() if value <= 0]:
            raise ConfigurationError(f"jobs settings {bad} must be positive")
        if self.retry_delay < 0 or self.retry_max_delay < self.retry_delay:
            raise ConfigurationError("jobs retry_delay must be >= 0 and <= retry_max_delay")
        run_in_app = self.run_in_app if self.run_in_app is not None else url == DATABASE
        return replace(self, url=url, queue=queue, concurrency=concurrency, run_in_app=run_in_app)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before the attempt after ``attempts`` failed ones."""
        return float(min(self.retry_max_delay, self.retry_delay * 2 ** max(0, attempts - 1)))
