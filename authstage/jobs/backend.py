"""The two things every job backend does, so the plugin and ``enqueue`` need not know which.

A backend stores jobs (``enqueue``, ``status``) and may run them (``start``/``stop``, or a
worker loop of its own). Two exist: ``DatabaseBackend`` (database.py, the embedded default:
rows in the app's database, run in-process) and ``SaqBackend`` (redisqueue.py: SAQ on Redis,
run by ``authstage worker`` processes). Job IDs are opaque strings of 32 random hex
characters on both, so a caller cannot tell, and cannot guess another caller's ID.

A ``Protocol`` rather than a base class: the two share no code, only this shape (what they
share of running a task is in status.py). Cost: none at run time.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Protocol

from authstage.jobs.status import JobStatus
from authstage.jobs.tasks import TaskSpec

__all__ = ["JobBackend", "is_job_id", "new_job_id"]

_JOB_ID = re.compile(r"[0-9a-f]{32}")


def new_job_id() -> str:
    """A fresh, unguessable job ID."""
    return secrets.token_hex(16)


def is_job_id(text: str) -> bool:
    """Whether ``text`` has the shape of a job ID (anything else is unknown without a lookup)."""
    return _JOB_ID.fullmatch(text) is not None


class JobBackend(Protocol):
    """Where jobs are kept and how they are run."""

    async def connect(self) -> None:
        """Reach the storage at startup; raise ``ConfigurationError`` in one line if it is down."""

    async def close(self) -> None:
        """Release connections at shutdown."""

    async def enqueue(self, spec: TaskSpec, payload: dict[str, Any]) -> str:
        """Queue one job with a validated payload; return its ID (``Unavailable`` when down)."""

    async def status(self, job_id: str) -> JobStatus | None:
        """The job's status, or None when the ID is unknown (or expired)."""

    async def run(self) -> None:
        """Run jobs until cancelled (in the app's process or in ``authstage worker``)."""
