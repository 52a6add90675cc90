"""The admin pages: users (search, role, delete), announcements, the audit log.

Admins only: a signed-out visitor goes to ``/login?next=...`` (``login_required`` runs first),
a signed-in user without the ``admin`` role gets the 403 page (``role_required``; JSON 403 for
an API caller). The forms post to the admin actions (actions/admin.py) and work without
JavaScript; the users table and the announcement counts are regions of fragments, refreshed in
place by the browser script after each mutation.

- ``/admin?q=&page=``: the users table, searched by name or email (a GET form, so a search is
  a link one can share), paged;
- ``/admin/announce``: the announcement form and the latest announcements' counts;
- ``/admin/audit?before=``: the audit log, newest first, by keyset pages
  (``list_audit_entries``), with the names of the users it names (or "deleted").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import get
from litestar.params import QueryParameter
from litestar.response import Template

from actions.admin import announcement_counts, user_table
from authstage import region, take_outcome
from authstage.audit import AuditEntryOut, list_audit_entries
from authstage.auth import User, login_required, require_user, role_required

__all__ = ["admin_audit", "admin_page", "announce_page", "readable_time"]

ADMIN_ONLY = [login_required, role_required("admin")]
#: Audit entries per page.
AUDIT_PAGE = 50


def readable_time(moment: dt.datetime) -> str:
    """``2026-12-01 10:58 UTC``: a time as the audit page shows it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@get("/admin", name="admin", guards=ADMIN_ONLY)
async def admin_page(
    q: Annotated[str, QueryParameter(max_length=100)] = "",
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
) -> Template:
    """The users table, searched and paged."""
    context = {
        "user": await require_user(),
        "q": q,
        "users": await region(user_table, q=q, page=page),
        "outcomes": await take_outcome(),
    }
    return Template(template_name="admin/users.html", context=context)


@get("/admin/announce", name="admin_announce", guards=ADMIN_ONLY)
async def announce_page() -> Template:
    """The announcement form and the counts of the latest announcements."""
    context = {
        "user": await require_user(),
        "counts": await region(announcement_counts),
        "outcomes": await take_outcome(),
    }
    return Template(template_name="admin/announce.html", context=context)


async def _names(entries: list[AuditEntryOut]) -> dict[str, str]:
    ids = {int(e.user_id) for e in entries if e.user_id and e.user_id.isdecimal()}
    if not ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(list(ids)))
    return {str(row["id"]): row["name"] for row in rows}


@get("/admin/audit", name="admin_audit", guards=ADMIN_ONLY)
async def admin_audit(
    before: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    """The audit log, newest first: who did what, when, from where, and how it ended."""
    page = await list_audit_entries(before=before, limit=AUDIT_PAGE)
    names = await _names(page.entries)
    entries: list[dict[str, Any]] = [
        {
            "when": readable_time(entry.at),
            "who": names.get(entry.user_id or "", "deleted user") if entry.user_id else "nobody",
            "user_id": entry.user_id,
            "action": entry.action,
            "args": ", ".join(f"{k}={v}" for k, v in (entry.args or {}).items()),
            "outcome": entry.outcome,
            "ip": entry.ip,
        }
        for entry in page.entries
    ]
    context = {"user": await require_user(), "entries": entries, "next_before": page.next_before}
    return Template(template_name="admin/audit.html", context=context)
