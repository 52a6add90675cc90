"""The job table of the embedded runner (Piccolo, on SQLite and PostgreSQL).

One row per job. The public ID is ``key``, 32 random hex characters: ``job_status`` answers
anyone holding an ID, so IDs must not be guessable (a serial number would be). Times are epoch
seconds in ``DoublePrecision`` columns rather than ``Timestamptz``: the claim statement
(database.py) compares them with parameters in hand-written SQL, and a float compares the same
way on both engines, where SQLite keeps timestamps as text in Piccolo's own format.
"""

from __future__ import annotations

from piccolo.columns import DoublePrecision, Integer, Serial, Text, Varchar
from piccolo.table import Table

__all__ = ["JobRecord"]


class JobRecord(Table, tablename="authstage_job"):
    """One queued, running or finished job."""

    id: Serial  # the implicit primary key, declared for type checkers
    key = Varchar(length=32, unique=True, index=True)
    task = Varchar(length=200)
    #: The validated arguments, as JSON text (Text, not JSON: Piccolo decodes JSON columns on
    #: SQLite only, and nothing here queries inside them).
    payload = Text(default="{}")
    #: queued, running, done or failed (status.JobState).
    status = Varchar(length=10, default="queued", index=True)
    progress = DoublePrecision(default=0.0)
    #: The return value as JSON text of the task's return annotation.
    result = Text(null=True, default=None)
    #: The ErrorBody callers see, as JSON; never a traceback.
    error = Text(null=True, default=None)
    attempts = Integer(default=0)
    max_attempts = Integer(default=1)
    #: Not claimed before this time (retry backoff).
    run_after = DoublePrecision(default=0.0, index=True)
    #: A running job whose lease has passed lost its runner and may be claimed again.
    locked_until = DoublePrecision(default=0.0)
    #: ``host:pid`` of the process running it, so a restart on that host can tell it is dead.
    owner = Varchar(length=300, default="")
    created_at = DoublePrecision(default=0.0)
    updated_at = DoublePrecision(default=0.0)
