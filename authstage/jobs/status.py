"""What a job is to its callers, and the one place a task's run is turned into that.

``JobStatus`` is what ``job_status(id)`` returns on every backend: a state (``queued``,
``running``, ``done``, ``failed``), the progress fraction the task last reported, the result
(JSON builtins of the task's return annotation) or the error. Both backends run a task through
``execute``, so decoding, progress, result encoding and failure shaping are written once:

- the task's ``report_progress(f)`` reaches the running job through a ``ContextVar``;
- an ``ActionError`` the task raises is an expected failure: its code and message are kept,
  and the job is not retried (the same call would fail the same way);
- any other exception is unexpected: it is logged with a digest and the job records only
  ``INTERNAL`` with that digest, never the message or traceback (``errors.internal_error``);
  the backend retries it while attempts remain.

Cost: one ``ContextVar`` set per run; failures cost a log line.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import msgspec

from authstage.errors import ActionError, ErrorBody, ValidationFailed, internal_error
from authstage.jobs.tasks import TaskSpec

__all__ = [
    "JobState",
    "JobStatus",
    "TaskFailed",
    "error_from_json",
    "execute",
    "report_progress",
]


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStatus(msgspec.Struct, omit_defaults=True):
    """A job as any instance sees it."""

    id: str
    task: str
    status: JobState
    #: The fraction (0.0 to 1.0) the task last reported; 1.0 when done.
    progress: float = 0.0
    #: The task's return value, encoded as its return annotation (JSON builtins).
    result: Any = None
    #: Why the job failed: an expected error's code and message, or INTERNAL with a digest.
    error: ErrorBody | None = None
    #: Attempts started so far.
    attempts: int = 0


class TaskFailed(Exception):
    """Raised by ``execute`` after a task failed; carries what callers may see."""

    def __init__(self, error: ErrorBody, *, retry: bool) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.error = error
        #: False when another attempt would fail the same way (an expected error, bad payload).
        self.retry = retry


ProgressSink = Callable[[float], Awaitable[None]]
_progress: ContextVar[ProgressSink] = ContextVar("authstage_job_progress")
_error_decoder = msgspec.json.Decoder(ErrorBody)


async def report_progress(fraction: float) -> None:
    """Record how far the running job is (0.0 to 1.0); readable at once through ``job_status``.

    Raises:
        RuntimeError: called outside a running task.
        ValueError: ``fraction`` is not between 0 and 1.

    Example:
        >>> for i, row in enumerate(rows):
        ...     await write(row)
        ...     await report_progress((i + 1) / len(rows))
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"progress must be between 0 and 1, got {fraction!r}")
    try:
        sink = _progress.get()
    except LookupError:
        raise RuntimeError("report_progress() is for tasks run as jobs (enqueue)") from None
    await sink(float(fraction))


def error_from_json(raw: str | bytes | None) -> ErrorBody | None:
    """A stored error back as an ``ErrorBody`` (None when there is none)."""
    return _error_decoder.decode(raw) if raw else None


async def execute(spec: TaskSpec, payload: dict[str, Any], progress: ProgressSink) -> Any:
    """Run one attempt of a job; returns the result as JSON builtins.

    Raises:
        TaskFailed: the payload no longer fits the task, or the task raised.
    """
    try:
        kwargs = spec.call_args(payload)
    except msgspec.ValidationError as exc:
        error = ValidationFailed(f"the queued payload no longer fits {spec.name}: {exc}")
        raise TaskFailed(error.body(), retry=False) from None
    token = _progress.set(progress)
    try:
        value = await spec.fn(**kwargs)
        return spec.result(value)
    except ActionError as exc:
        raise TaskFailed(exc.body(), retry=False) from None
    except Exception as exc:
        raise TaskFailed(internal_error(exc, action=f"task {spec.name}"), retry=True) from None
    finally:
        _progress.reset(token)
