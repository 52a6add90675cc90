"""Data exports: started by an action, written by a job run in the app, downloaded by the owner.

The jobs run in the app's process (the embedded runner, as in ``make run``), so each test
starts an export and waits for its row to finish. Storage is a temporary folder.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import json
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions import accounts, avatars, export_archive, exports
from actions.tables import Export, Post, Todo
from authstage import Storage
from authstage.auth import User
from authstage.jobs.tables import JobRecord
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, error_of, session_of, set_session, signup
from tests.actions.pageforms import messages, page_forms, post_form
from tests.unit.imagefiles import PNG


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Exports and avatars in a temporary folder."""
    folder = tmp_path / "store"
    monkeypatch.setattr(exports, "storage", Storage(folder.as_uri()))
    monkeypatch.setattr(avatars, "storage", Storage(folder.as_uri(), public_url="/media"))
    return folder


def files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "exports").rglob("*") if p.is_file())


async def finished(export_id: int, within: float = 20.0) -> dict[str, Any]:
    """The export's row once it is ready or failed."""
    deadline = time.monotonic() + within
    while True:
        row = await db(Export.select().where(Export.id == export_id).first())
        if row["status"] in {"ready", "failed"}:
            return row  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"export still {row['status']}"
        await asyncio.sleep(0.05)


async def start(actions: ActionClient, format: str = "json") -> dict[str, Any]:
    response = await actions.call(exports.start_export, format=format)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def user_with_data(actions: ActionClient) -> int:
    """Ada, signed in, with a post and two todos; her ID."""
    await signup(actions, "ada@example.com", "Ada")
    [ada] = await db(User.select(User.id).where(User.email == "ada@example.com"))
    await db(Post.insert(Post(author=ada["id"], title="Notes", content="On the engine")))
    await db(
        Todo.insert(Todo(owner=ada["id"], title="Bernoulli"), Todo(owner=ada["id"], title="Tea"))
    )
    return int(ada["id"])


async def download(actions: ActionClient, export_id: int) -> httpx.Response:
    return await actions.client.get(f"/export/{export_id}/download", follow_redirects=False)


async def test_a_json_export_runs_to_ready_and_holds_the_users_data_not_the_hash(
    actions: ActionClient, store: Path
) -> None:
    await user_with_data(actions)
    started = await start(actions)
    assert (started["status"], started["format"], started["download"]) == ("pending", "json", None)
    row = await finished(started["id"])
    assert (row["status"], row["error"]) == ("ready", "")
    assert row["job_id"] and row["finished_at"] is not None
    response = await download(actions, started["id"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    name = f'attachment; filename="auth-stage-export-{started["id"]}.json"'
    assert response.headers["content-disposition"] == name
    data = response.json()
    assert data["profile"]["email"] == "ada@example.com"
    assert set(data["profile"]) == {"id", "email", "name", "bio", "website", "role", "created_at"}
    assert [p["title"] for p in data["posts"]] == ["Notes"]
    assert [(t["title"], t["completed"]) for t in data["todos"]] == [
        ("Bernoulli", False),
        ("Tea", False),
    ]
    assert b"argon2" not in response.content and b"password" not in response.content
    [listed] = (await actions.call(exports.list_exports)).json()["data"]
    assert (listed["id"], listed["status"], listed["progress"]) == (started["id"], "ready", 100)
    assert listed["download"] == f"/export/{started['id']}/download"
    page = (await actions.client.get("/export")).text
    assert f'href="/export/{started["id"]}/download"' in page
    assert 'http-equiv="refresh"' not in page  # nothing in progress


async def test_a_zip_export_holds_the_json_and_the_avatar(
    actions: ActionClient, store: Path
) -> None:
    await user_with_data(actions)
    uploaded = await actions.client.post(
        "/_action",
        files={"avatar": ("me.png", PNG, "image/png")},
        headers={"authstage-action": actions.id_of(avatars.upload_avatar)},
    )
    assert uploaded.status_code == 200, uploaded.text
    started = await start(actions, "zip")
    assert (await finished(started["id"]))["status"] == "ready"
    response = await download(actions, started["id"])
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["avatar.webp", "data.json"]
        data = json.loads(archive.read("data.json"))
        assert archive.read("avatar.webp")[8:12] == b"WEBP"
    assert data["profile"]["name"] == "Ada"
    assert len(data["todos"]) == 2


async def test_a_second_export_while_one_is_in_progress_is_a_conflict(
    actions: ActionClient, store: Path
) -> None:
    ada = await user_with_data(actions)
    await db(Export.insert(Export(owner=ada, status="running", format="json")))
    response = await actions.call(exports.start_export, format="zip")
    assert response.status_code == 409
    assert error_of(response)["code"] == "CONFLICT"
    assert await db(Export.count()) == 1
    await db(Export.update({Export.status: "ready"}).where(Export.owner == ada))
    assert (await start(actions))["status"] == "pending"  # free again once it finished


async def test_an_unknown_format_is_refused(actions: ActionClient, store: Path) -> None:
    await user_with_data(actions)
    response = await actions.call(exports.start_export, format="pdf")
    assert response.status_code == 422
    assert "format" in error_of(response)["fieldErrors"]
    assert await db(Export.count()) == 0


async def test_the_download_is_refused_to_anyone_but_the_owner(
    actions: ActionClient, store: Path
) -> None:
    await user_with_data(actions)
    ada = session_of(actions)
    started = await start(actions)
    await finished(started["id"])
    set_session(actions, None)
    signed_out = await download(actions, started["id"])
    assert signed_out.headers["location"].startswith("/login?next=")
    await signup(actions, "bob@example.com", "Bob")
    for export_id in (started["id"], 9999):
        refused = await download(actions, export_id)
        assert refused.status_code == 404
        assert "ada@example.com" not in refused.text
    assert f"export-{started['id']}" not in (await actions.client.get("/export")).text
    assert (await actions.call(exports.list_exports)).json()["data"] == []
    set_session(actions, ada)
    assert (await download(actions, started["id"])).status_code == 200


async def test_an_export_not_ready_yet_is_409_and_a_missing_file_404(
    actions: ActionClient, store: Path
) -> None:
    ada = await user_with_data(actions)
    [pending] = await db(
        Export.insert(Export(owner=ada, status="pending", format="json")).returning(Export.id)
    )
    response = await download(actions, pending["id"])
    assert response.status_code == 409
    assert "Traceback" not in response.text
    await db(
        Export.update({Export.status: "ready", Export.file_key: "exports/gone.json"}).where(
            Export.id == pending["id"]
        )
    )
    assert (await download(actions, pending["id"])).status_code == 404


async def test_an_export_in_progress_is_shown_with_a_refresh(
    actions: ActionClient, store: Path
) -> None:
    ada = await user_with_data(actions)
    await db(Export.insert(Export(owner=ada, status="pending", format="zip")))
    page = (await actions.client.get("/export")).text
    assert f'data-authstage-region="{actions.id_of(exports.export_list)}"' in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<a href="/export">Refresh</a>' in page
    assert "waiting to start" in page


async def test_a_job_that_cannot_write_its_file_shows_the_export_as_failed(
    actions: ActionClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    monkeypatch.setattr(exports, "storage", Storage(blocker.as_uri()))
    await user_with_data(actions)
    started = await start(actions)
    row = await finished(started["id"])
    assert row["status"] == "failed"
    assert row["error"].startswith("The export could not be written (error ")
    page = (await actions.client.get("/export")).text
    assert "failed: The export could not be written" in page
    assert "Traceback" not in page and "not-a-folder" not in page
    assert (await download(actions, started["id"])).status_code == 409
    assert (await start(actions))["status"] == "pending"  # a failed export frees the way


async def test_the_start_form_without_javascript(actions: ActionClient, store: Path) -> None:
    await user_with_data(actions)
    forms = await page_forms(actions, "/export")
    assert forms["start-export"]["fields"]["format"] == "json"
    response = await post_form(actions, "/export", forms["start-export"]["fields"], format="zip")
    assert (response.status_code, response.headers["location"]) == (303, "/export")
    text = messages(await page_forms(actions, "/export"))
    assert "Export started." in text["start-export"]
    [row] = await db(Export.select(Export.id, Export.format))
    assert row["format"] == "zip"
    await finished(row["id"])

    bad = await post_form(actions, "/export", forms["start-export"]["fields"], format="pdf")
    assert bad.status_code == 303
    after = await page_forms(actions, "/export")
    assert "Must be one of the allowed values" in messages(after)["start-export"]
    await db(Export.update({Export.status: "running"}, force=True))
    await post_form(actions, "/export", forms["start-export"]["fields"])
    busy = messages(await page_forms(actions, "/export"))["start-export"]
    assert "An export is already in progress" in busy
    assert await db(Export.count()) == 1


async def test_deleting_the_account_deletes_the_export_files(
    actions: ActionClient, store: Path
) -> None:
    await user_with_data(actions)
    started = await start(actions)
    await finished(started["id"])
    assert len(files(store)) == 1
    response = await actions.call(accounts.delete_account, password=PASSWORD)
    assert response.status_code == 200
    assert files(store) == []
    assert await db(Export.count()) == 0


async def test_two_starts_at_once_queue_one_export(
    actions: ActionClient, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()  # the job waits (on the app's loop) until the starts are in
    real_gather = export_archive.gather

    async def held(user_id: int) -> Any:
        await asyncio.to_thread(release.wait, 10)
        return await real_gather(user_id)

    monkeypatch.setattr(export_archive, "gather", held)
    await user_with_data(actions)
    try:
        replies = await asyncio.gather(
            *[actions.call(exports.start_export, format="json") for _ in range(4)]
        )
    finally:
        release.set()
    assert sorted(r.status_code for r in replies) == [200, 409, 409, 409]
    [row] = await db(Export.select(Export.id))
    assert (await finished(row["id"]))["status"] == "ready"


async def _job(key: str, status: str, **values: Any) -> None:
    """A job record as the runner leaves it (``locked_until`` far ahead: no runner takes it)."""
    record = JobRecord(key=key, task="actions.exports.export_user_data", status=status, **values)
    await db(JobRecord.insert(record))


async def test_a_running_export_shows_its_jobs_progress(actions: ActionClient, store: Path) -> None:
    ada = await user_with_data(actions)
    await _job("a" * 32, "running", progress=0.4, locked_until=time.time() + 3600)
    await db(Export.insert(Export(owner=ada, status="running", format="json", job_id="a" * 32)))
    page = (await actions.client.get("/export")).text
    assert '<progress max="100" value="40">' in page
    assert "running" in page and 'http-equiv="refresh"' in page


async def test_an_export_whose_job_failed_outside_the_task_is_shown_failed(
    actions: ActionClient, store: Path
) -> None:
    ada = await user_with_data(actions)
    error = '{"code": "INTERNAL", "message": "The job ran past its time limit"}'
    await _job("b" * 32, "failed", error=error)
    await db(Export.insert(Export(owner=ada, status="running", format="zip", job_id="b" * 32)))
    page = (await actions.client.get("/export")).text
    assert "failed: The export stopped before it finished" in page
    assert 'http-equiv="refresh"' not in page
    [row] = await db(Export.select(Export.status, Export.finished_at))
    assert row["status"] == "failed" and row["finished_at"] is not None
    assert (await start(actions))["status"] == "pending"


async def test_the_owner_is_mailed_when_mail_is_configured(
    actions: ActionClient, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("AUTHSTAGE_MAIL_OUTBOX", str(outbox))
    await user_with_data(actions)
    started = await start(actions)
    assert (await finished(started["id"]))["status"] == "ready"
    deadline = time.monotonic() + 10
    while not list(outbox.glob("*.eml")):  # sent just after the row is marked ready
        assert time.monotonic() < deadline, "no mail in the outbox"
        await asyncio.sleep(0.05)
    [mail] = outbox.glob("*.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert (message["to"], message["subject"]) == ("ada@example.com", "Your data export is ready")
    assert f"/export/{started['id']}/download" in message.get_content()


async def test_without_mail_configured_nothing_is_mailed(
    actions: ActionClient, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the default outbox folder would appear
    for name in exports.MAIL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    await user_with_data(actions)
    assert (await finished((await start(actions))["id"]))["status"] == "ready"
    assert not (tmp_path / "outbox").exists()
