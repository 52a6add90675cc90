"""The admin read of the audit log: ``list_audit_entries``, newest first, paged, filtered.

Register it with the app's actions (``AuthstageConfig(actions=[..., "authstage.audit.actions"])``)
next to an ``AuthConfig``: it is ``roles=["admin"]``, so anyone else gets 403 (and a signed-out
caller 401). Reading the audit log is itself audited. Pages are keyset pages by entry ID
(``before`` = the ``next_before`` of the previous page): stable while new entries arrive, and
each page is one indexed query whatever its depth.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from authstage.audit.tables import AuditEntry
from authstage.registry import action

__all__ = ["AuditEntryOut", "AuditPage", "list_audit_entries"]

Filter = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class AuditEntryOut(msgspec.Struct):
    """One audit entry as the admin read returns it."""

    id: int
    at: dt.datetime
    user_id: str | None
    action: str
    outcome: str
    ip: str
    args: dict[str, Any] | None = None


class AuditPage(msgspec.Struct):
    """A page of entries, newest first; ``next_before`` fetches the next (None at the end)."""

    entries: list[AuditEntryOut]
    next_before: int | None = None


@action(name="authstage.audit.list_audit_entries", roles=["admin"], audit=True)
async def list_audit_entries(
    user_id: Filter | None = None,
    action_name: Filter | None = None,
    before: Annotated[int, msgspec.Meta(ge=1)] | None = None,
    limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 50,
) -> AuditPage:
    """Audit entries, newest first: of one user, of one action, before an entry ID."""
    query = AuditEntry.select().output(load_json=True).order_by(AuditEntry.id, ascending=False)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if action_name is not None:
        query = query.where(AuditEntry.action == action_name)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = await query.limit(limit + 1)
    entries = msgspec.convert(rows[:limit], list[AuditEntryOut])
    return AuditPage(entries, entries[-1].id if len(rows) > limit else None)
