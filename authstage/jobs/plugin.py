"""``JobsPlugin``: gives a Litestar app a job queue, and ``Jobs``, the queue of one app.

    app = Litestar(plugins=[
        AuthstagePlugin(actions=["actions.exports"]),
        JobsPlugin(JobsConfig(tasks=["actions.exports"])),
    ], on_startup=[database.startup], on_shutdown=[database.shutdown])

At ``on_app_init`` the plugin resolves the configuration (environment included), collects the
tasks (failing on a duplicate name) and picks the backend: SAQ on Redis when a Redis URL is
configured, else the runner in the app's database. Its startup hook reaches the backend
(Redis down: one ``ConfigurationError`` line, the app does not start) and, for the database
runner, starts running jobs in the app's process; its shutdown hook stops them. The startup
hook comes after the app's own and the shutdown hook before them (Litestar runs both lists in
order), so the database is open before the runner starts and closed only once it stopped.

The plugin is separate from ``AuthstagePlugin`` so an app without jobs carries nothing for
them (the backends, with Piccolo's engine or SAQ, are imported when a plugin picks one), and
the queue's lifetime is the app's: the ``Jobs`` of an app is in the app's state (``jobs_of``);
``enqueue`` and ``job_status`` find it through the request being served, else through the last
one started in this process (a task that queues another, a script). Cost: at startup one round
trip to Redis (SAQ) or nothing (database); per ``enqueue`` a dict lookup and the payload check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litestar.plugins import InitPlugin

from authstage.appstate import JOBS_KEY
from authstage.context import current_var
from authstage.errors import ConfigurationError
from authstage.jobs.backend import JobBackend
from authstage.jobs.config import JobsConfig
from authstage.jobs.status import JobStatus
from authstage.jobs.tasks import collect_tasks, task_spec
from authstage.waits import stop_task

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.config.app import AppConfig

__all__ = ["Jobs", "JobsPlugin", "current_jobs", "jobs_of"]


def _backend(config: JobsConfig, tasks: dict[str, Any]) -> JobBackend:
    if not config.uses_redis:
        from authstage.jobs.database import DatabaseBackend  # Piccolo's engine: only now

        return DatabaseBackend(config, tasks)
    try:
        from authstage.jobs.redisqueue import SaqBackend
    except ImportError as exc:
        raise ConfigurationError(
            f"jobs on Redis need SAQ: pip install 'authstage[jobs]' ({exc})"
        ) from None
    return SaqBackend(config, tasks)


class _Started:
    jobs: Jobs | None = None


class Jobs:
    """The job queue of one app: its tasks, its backend and, in-app, the runner."""

    def __init__(self, config: JobsConfig | None = None) -> None:
        self.config = (config or JobsConfig()).resolve()
        self.tasks = collect_tasks(self.config.tasks)
        self.backend = _backend(self.config, self.tasks)
        #: Set by ``authstage worker``: startup then leaves running jobs to the worker loop.
        self.worker_mode = False
        self._runner: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        """Reach the backend; start running jobs when they run in the app's process.

        Raises:
            ConfigurationError: the backend cannot be reached.
        """
        await self.backend.connect()
        _Started.jobs = self
        if self.config.run_in_app and not self.worker_mode:
            self._runner = asyncio.create_task(self.backend.run(), name="authstage-jobs")

    async def shutdown(self) -> None:
        """Stop the in-app runner (running jobs go back to the queue) and disconnect."""
        if self._runner is not None:
            await stop_task(self._runner)
            self._runner = None
        await self.backend.close()
        if _Started.jobs is self:
            _Started.jobs = None

    async def run(self) -> None:
        """Run jobs until cancelled (the loop of ``authstage worker``)."""
        await self.backend.run()

    async def enqueue(self, task: Callable[..., Any] | str, /, **kwargs: Any) -> str:
        """Validate ``kwargs`` against the task's signature and queue one job; its ID.

        Raises:
            ValidationFailed: the arguments do not fit the task (nothing is queued).
            Unavailable: the queue cannot be reached (503 with ``Retry-After``).
            ConfigurationError: the task is not one of this app's tasks.
        """
        name = task if isinstance(task, str) else task_spec(task).name
        spec = self.tasks.get(name)
        if spec is None:
            raise ConfigurationError(f"task {name!r} is not in this app's JobsConfig(tasks=...)")
        return await self.backend.enqueue(spec, spec.payload(kwargs))

    async def status(self, job_id: str) -> JobStatus | None:
        """The status of a job, or None when the ID is unknown or its record expired."""
        return await self.backend.status(job_id)


def jobs_of(app: Litestar) -> Jobs:
    """The ``Jobs`` of an app built with ``JobsPlugin``.

    Raises:
        ConfigurationError: the app has no ``JobsPlugin``.
    """
    jobs = app.state.get(JOBS_KEY)
    if not isinstance(jobs, Jobs):
        raise ConfigurationError("this app has no job queue: add JobsPlugin(...) to its plugins")
    return jobs


def current_jobs() -> Jobs:
    """The job queue of the app serving the current request, else the last one started.

    Raises:
        ConfigurationError: no app with a ``JobsPlugin`` is serving or started.
    """
    ctx = current_var.get(None)
    app = ctx.scope.get("app") if ctx is not None else None
    if app is not None and isinstance(jobs := app.state.get(JOBS_KEY), Jobs):
        return jobs
    if _Started.jobs is None:
        raise ConfigurationError("no job queue is running: add JobsPlugin(...) to the app")
    return _Started.jobs


class JobsPlugin(InitPlugin):
    """Adds a job queue to the app (see the module docstring)."""

    __slots__ = ("config",)

    def __init__(self, config: JobsConfig | None = None, **kwargs: Any) -> None:
        """Take a ``JobsConfig``, or its fields as keyword arguments."""
        self.config = config or JobsConfig(**kwargs)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        jobs = Jobs(self.config)
        app_config.state[JOBS_KEY] = jobs
        app_config.on_startup = [*app_config.on_startup, jobs.startup]
        # Litestar runs shutdown hooks in the order listed: the queue stops before the app's
        # own hooks (closing the database its runner still queries) run.
        app_config.on_shutdown = [jobs.shutdown, *app_config.on_shutdown]
        return app_config
