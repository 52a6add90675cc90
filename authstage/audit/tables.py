"""The audit table: one row per audited action call (Piccolo, on SQLite and PostgreSQL).

Deliberately no foreign key to the user: an entry must outlive the account it names (deleting
an account is itself audited). ``user_id`` is text, so principals of any authenticator fit.
``args`` holds only the arguments the action marked safe (auditoption.py), as JSON.
"""

from __future__ import annotations

from piccolo.columns import JSON, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["AuditEntry"]


class AuditEntry(Table, tablename="authstage_audit"):
    """Who called which action, when, from where, and how it ended."""

    id: Serial  # the implicit primary key, declared for type checkers
    at = Timestamptz(default=TimestamptzNow(), index=True)
    user_id = Varchar(length=64, null=True, default=None, index=True)
    action = Varchar(length=200, index=True)
    #: ``ok``, or the error code the call answered (``FORBIDDEN``, ``INTERNAL``, ...).
    outcome = Varchar(length=40)
    ip = Varchar(length=45, default="")
    args = JSON(null=True, default=None)
