"""The data export from the seeds (``exportUserData``): queued as a job, watched on ``/export``.

``start_export`` records an ``Export`` row (``pending``) and queues ``export_user_data`` through
the app's jobs (``authstage.jobs``: in the app's database by default, SAQ on Redis in
production). The job marks the row ``running``, gathers the user's profile, posts and todos
(export_archive.py), writes a JSON file or a ZIP (the JSON and the avatar) through
``Storage`` under ``exports/<user id>/``, reporting its progress as it goes, and marks the row
``ready``; any error marks it ``failed`` with a message (an unexpected one is logged under a
digest that the message names; the traceback never reaches the page). When the app has mail
configured (``AUTHSTAGE_SMTP_URL`` or ``AUTHSTAGE_MAIL_OUTBOX``), the owner is mailed the
download link; a mail that cannot go is logged and the export stays ready.

Bounded: one export per user at a time. A second ``start_export`` while one is pending or
running is ``CONFLICT``; the check and the insert run in one write transaction holding the
user's row (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
writers), so two concurrent starts cannot both pass. Jobs run at least once: a re-run of a
job whose export already finished does nothing. An export whose job failed outside the task
(its time limit, a lost process) is marked failed when its status is next read (``export_list``).

Deleting the account deletes the export rows (``ON DELETE CASCADE``) and, through
``delete_export_files`` called by ``delete_account``, their files; a job finishing after its
row is gone deletes the file it wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Literal

import msgspec
from piccolo.columns import Column
from piccolo.engine.postgres import PostgresEngine

from actions import avatars, export_archive
from actions.export_archive import to_json, to_zip
from actions.tables import Export
from authstage import (
    Conflict,
    Mailer,
    Storage,
    action,
    compose,
    enqueue,
    fragment,
    mailer_from_env,
    revalidate_path,
)
from authstage.auth import User, require_user
from authstage.db import write_transaction
from authstage.errors import NotFound, internal_error
from authstage.jobs import JobState, job_status, report_progress, task

__all__ = [
    "ExportOut",
    "delete_export_files",
    "export_files_of",
    "export_list",
    "export_user_data",
    "list_exports",
    "start_export",
    "storage",
]

logger = logging.getLogger("actions.exports")
PATH = "/export"
#: Set either and the owner is mailed when an export is ready (docs/platform.md, Mail).
MAIL_SETTINGS = ("AUTHSTAGE_SMTP_URL", "AUTHSTAGE_MAIL_OUTBOX")
BUSY = ["pending", "running"]
MEDIA_TYPES = {"json": "application/json", "zip": "application/zip"}
#: Where export files are kept (``./uploads`` by default, ``AUTHSTAGE_STORAGE_URL`` otherwise);
#: they are served only to their owner, by ``GET /export/{id}/download``.
storage = Storage()


class ExportOut(msgspec.Struct):
    """One export as its owner sees it."""

    id: int
    status: Literal["pending", "running", "ready", "failed"]
    format: Literal["json", "zip"]
    #: Percent done, from the job's reported progress (100 when ready).
    progress: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    #: Where to download the file, once ready.
    download: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _finish(export_id: int, status: str, **values: Any) -> bool:
    """Mark an export finished; False when its row is gone (the account was deleted)."""
    changes: dict[Column | str, Any] = {Export.status: status, Export.finished_at: _now()}
    changes.update({getattr(Export, name): value for name, value in values.items()})
    done = await Export.update(changes).where(Export.id == export_id).returning(Export.id)
    return bool(done)


async def _hold_user(user_id: int) -> None:
    """Lock the user's row until the transaction ends (PostgreSQL; see the module docstring)."""
    if isinstance(User._meta.db, PostgresEngine):
        await User.select(User.id).where(User.id == user_id).lock_rows()


@action
async def start_export(format: Literal["json", "zip"] = "json") -> ExportOut:
    """Queue an export of the signed-in user's data; ``CONFLICT`` while one is in progress."""
    user = await require_user()
    async with write_transaction():
        await _hold_user(user.id)
        busy = (Export.owner == user.id) & Export.status.is_in(BUSY)
        if await Export.exists().where(busy):
            raise Conflict("An export is already in progress: wait for it to finish")
        [row] = await Export.insert(Export(owner=user.id, format=format)).returning(
            *Export.all_columns()
        )
    try:
        job_id = await enqueue(export_user_data, export_id=row["id"])
    except Exception:
        await _finish(row["id"], "failed", error="The export could not be queued: try again")
        raise
    await Export.update({Export.job_id: job_id}).where(Export.id == row["id"])
    revalidate_path(PATH)
    return _out(row, progress=0.0)


@task
async def export_user_data(export_id: int) -> None:
    """Write one export's file and mark it ready (or failed); see the module docstring."""
    row = (
        await Export.select(Export.owner, Export.format, Export.status)
        .where(Export.id == export_id)
        .first()
    )
    if row is None or row["status"] not in BUSY:
        return  # deleted with its account, or finished by an earlier run of this job
    await Export.update({Export.status: "running"}).where(Export.id == export_id)
    try:
        key = await _write(export_id, row["owner"], row["format"])
    except Exception as exc:
        digest = internal_error(exc, action="task actions.exports.export_user_data").digest
        message = f"The export could not be written (error {digest})"
        await _finish(export_id, "failed", error=message)
        return
    if key is None:
        await _finish(export_id, "failed", error="The account no longer exists")
    elif not await _finish(export_id, "ready", file_key=key):
        await storage.delete(key)
    else:
        await _tell_owner(row["owner"], export_id)


def _mailer() -> Mailer | None:
    """The app's mailer when mail is configured (an SMTP server or an outbox folder)."""
    configured = any(os.environ.get(name, "").strip() for name in MAIL_SETTINGS)
    return mailer_from_env() if configured else None


async def _tell_owner(owner: int, export_id: int) -> None:
    """Mail the owner that the export is ready; a mail failure leaves the export ready."""
    mailer = _mailer()
    user = await User.select(User.email, User.name).where(User.id == owner).first()
    if mailer is None or user is None:
        return
    body = (
        f"Hello {user['name']},\n\nYour data export is ready. Download it, signed in, from "
        f"the export page: /export/{export_id}/download\n"
    )
    try:
        await mailer.send(compose(to=user["email"], subject="Your data export is ready", body=body))
    except Exception:  # the export stands; the log says why the mail did not go
        logger.warning("export %s: the ready mail was not sent", export_id, exc_info=True)


async def _write(export_id: int, owner: int, format: str) -> str | None:
    """Gather, encode and store the export; its storage key (None: the user is gone)."""
    gathered = await export_archive.gather(owner)
    if gathered is None:
        return None
    data, avatar_key = gathered
    await report_progress(0.4)
    avatar = None
    if format == "zip" and avatar_key:
        try:
            avatar = await avatars.storage.read(avatar_key)
        except FileNotFoundError:
            avatar = None  # the file went missing: the export goes without it
    await report_progress(0.6)
    body = to_zip(data, avatar) if format == "zip" else to_json(data)
    await report_progress(0.8)
    key = f"exports/{owner}/{export_id}-{storage.new_key(None)}.{format}"
    await storage.put(key, body, type=MEDIA_TYPES[format])
    await report_progress(1.0)
    return key


async def _progress(row: dict[str, Any]) -> float:
    """How far a pending or running export is; marks it failed if its job failed."""
    if row["status"] not in BUSY or not row["job_id"]:
        return 1.0 if row["status"] == "ready" else 0.0
    try:
        status = await job_status(row["job_id"])
    except NotFound:
        return 0.0
    if status.status is JobState.FAILED:
        message = "The export stopped before it finished: start another"
        await _finish(row["id"], "failed", error=message)
        row.update(status="failed", error=message)
    return status.progress


def _out(row: dict[str, Any], progress: float) -> ExportOut:
    download = f"/export/{row['id']}/download" if row["status"] == "ready" else None
    return ExportOut(
        id=row["id"],
        status=row["status"],
        format=row["format"],
        progress=round(progress * 100),
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        download=download,
    )


@action
async def list_exports() -> list[ExportOut]:
    """The signed-in user's exports, newest first, each with its status and progress."""
    user = await require_user()
    rows = await Export.select().where(Export.owner == user.id).order_by(Export.id, ascending=False)
    return [_out(row, await _progress(row)) for row in rows]


@action
@fragment("exports/_status.html", paths=[PATH])
async def export_list() -> dict[str, Any]:
    """``list_exports`` as the page shows it, and whether one is still in progress."""
    exports = await list_exports()
    return {"exports": exports, "busy": any(e.status in BUSY for e in exports)}


async def export_files_of(user_id: int) -> list[str]:
    """The storage keys of the user's export files (read before deleting the account)."""
    rows = await Export.select(Export.file_key).where(
        (Export.owner == user_id) & Export.file_key.is_not_null()
    )
    return [row["file_key"] for row in rows]


async def delete_export_files(keys: list[str]) -> None:
    """Delete export files (an account's, once its rows are gone)."""
    for key in keys:
        await storage.delete(key)
