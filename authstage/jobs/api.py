"""``enqueue`` and ``job_status``: what an action (or a task, or a script) calls.

Both find the app's queue with ``current_jobs`` (plugin.py): the app serving the request, else
the last one started in this process. They are thin on purpose: validation, IDs and storage
belong to the task spec and the backend, so an action reads like the seeds' ``queue.add``::

    @action
    async def export_user_data() -> ExportStarted:
        user = await current_user()
        job_id = await enqueue(export_user, user_id=user.id)
        return ExportStarted(job_id=job_id)

Cost: one ``ContextVar`` read and a dict lookup before the backend's own work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authstage.errors import NotFound
from authstage.jobs.backend import is_job_id
from authstage.jobs.plugin import current_jobs
from authstage.jobs.status import JobStatus

__all__ = ["enqueue", "job_status"]


async def enqueue(task: Callable[..., Any] | str, /, **kwargs: Any) -> str:
    """Queue one run of ``task`` (a ``@task`` function or its name) with ``kwargs``; its ID.

    Raises:
        ValidationFailed: the arguments do not fit the task's signature (422; nothing queued).
        Unavailable: the queue cannot be reached (503 with ``Retry-After``).

    Example:
        >>> for email in recipients:
        ...     await enqueue(send_email, to=email, subject="Announcement", body=message)
    """
    return await current_jobs().enqueue(task, **kwargs)


async def job_status(job_id: str) -> JobStatus:
    """The status, progress and result or error of a job, from any instance.

    Raises:
        NotFound: no job has this ID (or its record expired after ``result_ttl``); an ID that
            is not 32 hex characters is refused without a lookup.
        Unavailable: the queue cannot be reached.
    """
    status = await current_jobs().status(job_id) if is_job_id(job_id) else None
    if status is None:
        raise NotFound("No such job")
    return status
