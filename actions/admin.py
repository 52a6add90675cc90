"""Admin actions: only users with the ``admin`` role may call them (403 for everyone else).

- users: search by name or email (case-insensitive, the visitor's ``%`` and ``_`` taken
  literally: ``authstage.icontains``, search.py), page by page; change a role; delete a user (not
  yourself), which takes everything the user owns with it (``ON DELETE CASCADE``);
- announcements: one mail job per recipient (``authstage.enqueue_bulk_mail``), to every user or
  to one role; the ``Announcement`` row keeps the job IDs, and the counts of sent and failed
  messages are read back from the jobs' own statuses (``job_status``), so they are right on the
  database queue and on Redis alike, and need no bookkeeping in the mail task.

Role changes, deletions and announcements are audited; the audit log itself is read with
``authstage.audit``'s ``list_audit_entries`` (admin-only too), which the app registers beside
this module (``actions.app.ACTION_MODULES``). The users table and the announcement counts are
fragments (``@fragment``): the mutations revalidate ``/admin`` and ``/admin/announce``, so the
browser script swaps in their fresh HTML in the mutation's own reply.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import msgspec

from actions.exports import delete_export_files, export_files_of
from actions.schemas import UserOut
from actions.tables import Announcement
from authstage import (
    Audit,
    JobState,
    NotFound,
    ValidationFailed,
    action,
    depends_on,
    enqueue_bulk_mail,
    fragment,
    icontains,
    job_status,
    not_found,
    revalidate_path,
    take_outcome,
)
from authstage.auth import User, require_user, user_changed

__all__ = [
    "AnnouncementIn",
    "Sent",
    "announcement_counts",
    "delete_user",
    "find_users",
    "list_users",
    "send_announcement",
    "set_role",
    "user_table",
]

#: Users per page of the admin table.
PER_PAGE = 20
#: Announcements whose counts the page shows, newest first.
SHOWN_ANNOUNCEMENTS = 5
Search = Annotated[str, msgspec.Meta(max_length=100)]
Page = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
Role = Literal["user", "admin"]
_COLUMNS = User.all_columns(exclude=[User.password_hash])


class AnnouncementIn(msgspec.Struct):
    """An announcement: its subject and text, and who gets it."""

    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    message: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
    audience: Literal["all", "user", "admin"] = "all"


class Sent(msgspec.Struct):
    """What ``send_announcement`` queued."""

    announcement_id: int
    queued: int


async def find_users(q: str, page: int, per_page: int) -> tuple[list[UserOut], bool]:
    """Users whose name or email contains ``q``, newest first: one page, and whether there is
    a next one."""
    query = User.select(*_COLUMNS).order_by(User.id, ascending=False)
    if q.strip():
        query = query.where(icontains(User.name, q.strip()) | icontains(User.email, q.strip()))
    rows = await query.offset((page - 1) * per_page).limit(per_page + 1)
    return msgspec.convert(rows[:per_page], list[UserOut]), len(rows) > per_page


@action(roles=["admin"])
@depends_on(paths=["/profile", "/admin"])  # names and bios change on /profile
async def list_users(
    limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 50, q: Search = "", page: Page = 1
) -> list[UserOut]:
    """Users, newest first (never their password hashes); ``q`` searches names and emails."""
    users, _ = await find_users(q, page, limit)
    return users


@action(roles=["admin"])
@fragment("admin/_users.html", paths=["/profile", "/admin"])
async def user_table(q: Search = "", page: Page = 1) -> dict[str, Any]:
    """The admin page's users table: one page of the search, with a form per user."""
    users, has_next = await find_users(q, page, PER_PAGE)
    me = await require_user()
    outcomes = await take_outcome()  # the row form that failed shows its error (no JavaScript)
    return {
        "users": users,
        "q": q,
        "page": page,
        "has_next": has_next,
        "me": me.id,
        "outcomes": outcomes,
    }


@action(roles=["admin"], audit=Audit(args=["user_id", "role"]))
async def set_role(user_id: int, role: Role) -> UserOut:
    """Give a user the ``user`` or ``admin`` role (audited: who changed whose role to what)."""
    await User.update({User.role: role}).where(User.id == user_id)
    await user_changed(user_id)  # cached sessions carry the role: dropped on every instance
    row = await User.select(*_COLUMNS).where(User.id == user_id).first()
    if row is None:
        not_found("No such user")
    revalidate_path("/admin")
    return msgspec.convert(row, UserOut)


@action(roles=["admin"], audit=Audit(args=["user_id"]))
async def delete_user(user_id: int) -> None:
    """Delete a user and everything they own (audited); an admin cannot delete themselves
    here (the profile page's own deletion asks for the password)."""
    me = await require_user()
    if user_id == me.id:
        message = "You cannot delete your own account here"
        raise ValidationFailed(message, form_errors=[message])
    if await User.select(User.id).where(User.id == user_id).first() is None:
        not_found("No such user")
    exports = await export_files_of(user_id)
    await User.delete().where(User.id == user_id)  # posts, todos, sessions... cascade
    await user_changed(user_id)  # their cached sessions end on every instance
    await delete_export_files(exports)  # the rows went with the user; their files follow
    revalidate_path("/admin")


@action(roles=["admin"], audit=Audit(args=["data.subject", "data.audience"]))
async def send_announcement(data: AnnouncementIn) -> Sent:
    """Queue one mail job per recipient (all users, or those with one role)."""
    me = await require_user()
    query = User.select(User.email).order_by(User.id)
    if data.audience != "all":
        query = query.where(User.role == data.audience)
    emails = [row["email"] for row in await query]
    if not emails:
        message = "Nobody has this role"
        raise ValidationFailed(message, field_errors={"audience": [message]})
    subject = data.subject.strip()
    job_ids = await enqueue_bulk_mail(emails, subject=subject, body=data.message)
    row = Announcement(
        sender=me.id,
        subject=subject,
        message=data.message,
        audience=data.audience,
        job_ids=msgspec.json.encode(job_ids).decode(),
    )
    await row.save()
    revalidate_path("/admin/announce")
    return Sent(announcement_id=row.id, queued=len(job_ids))


async def _state(job_id: str) -> JobState | None:
    try:
        return (await job_status(job_id)).status
    except NotFound:  # its record expired (the queue's result_ttl): no longer counted
        return None


async def _counts(job_ids: list[str]) -> dict[str, int]:
    states = await asyncio.gather(*(_state(job_id) for job_id in job_ids))
    return {
        "queued": len(job_ids),
        "sent": states.count(JobState.DONE),
        "failed": states.count(JobState.FAILED),
    }


@action(roles=["admin"])
@fragment("admin/_announcements.html", paths=["/admin/announce"])
async def announcement_counts() -> dict[str, Any]:
    """The latest announcements with their counts: queued, sent so far, failed."""
    rows = (
        await Announcement.select(
            Announcement.id,
            Announcement.subject,
            Announcement.audience,
            Announcement.job_ids,
            Announcement.created_at,
            Announcement.sender.name,
        )
        .order_by(Announcement.id, ascending=False)
        .limit(SHOWN_ANNOUNCEMENTS)
    )
    shown = []
    for row in rows:
        counts = await _counts(msgspec.json.decode(row["job_ids"], type=list[str]))
        shown.append({**row, **counts})
    return {"announcements": shown}
