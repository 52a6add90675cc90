"""Background jobs: ``@task`` functions queued with ``enqueue`` and read with ``job_status``.

The embedded default keeps jobs in the app's database and runs them in its process
(database.py); ``AUTHSTAGE_JOBS_URL=redis://...`` moves them to SAQ on Redis, run by
``authstage worker`` processes (redisqueue.py). See docs/platform.md.
"""

from authstage.jobs.api import enqueue, job_status
from authstage.jobs.config import JobsConfig
from authstage.jobs.plugin import Jobs, JobsPlugin, jobs_of
from authstage.jobs.status import JobState, JobStatus, report_progress
from authstage.jobs.tasks import task

__all__ = [
    "JobState",
    "JobStatus",
    "Jobs",
    "JobsConfig",
    "JobsPlugin",
    "enqueue",
    "job_status",
    "jobs_of",
    "report_progress",
    "task",
]
