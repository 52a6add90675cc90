"""Announcements on SQLite and PostgreSQL: one mail job per recipient, sent through a real SMTP
server by the app's own job runner, counted on the admin page; the form without JavaScript."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import msgspec
import pytest

from actions import admin
from authstage.auth import User
from authstage.jobs.tables import JobRecord
from authstage.testing import ActionClient
from tests.actions.conftest import db, edit_behind, error_of, signup
from tests.actions.test_admin_pages import BASE, add_users, sign_up_admin
from tests.unit.smtp_server import Inbox, smtp_server

__all__ = ["smtp_server"]  # the fixture used here


@pytest.fixture(autouse=True)
def _outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail the app's runner sends without an SMTP server goes to a folder of the test's."""
    monkeypatch.delenv("AUTHSTAGE_SMTP_URL", raising=False)
    monkeypatch.setenv("AUTHSTAGE_MAIL_OUTBOX", str(tmp_path / "outbox"))


ANNOUNCEMENT = {"subject": "Maintenance", "message": "We are down on Sunday.", "audience": "user"}


async def counts_on_the_page(actions: ActionClient) -> dict[str, int]:
    page = (await actions.client.get("/admin/announce")).text
    row = page.split('<tr data-item id="announcement-', 1)[1].split("</tr>", 1)[0]
    return {k: int(v) for k, v in re.findall(r'<td class="(queued|sent|failed)">(\d+)</td>', row)}


async def test_each_recipient_gets_one_job_and_the_page_counts_them_sent(
    actions: ActionClient, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHSTAGE_SMTP_URL", f"smtp://127.0.0.1:{smtp_server.port}?starttls=off")
    await sign_up_admin(actions)
    emails = [f"user{n}@example.com" for n in range(4)]
    await add_users(*[(f"User {n}", email) for n, email in enumerate(emails)])
    response = await actions.call(admin.send_announcement, data=ANNOUNCEMENT)
    assert response.json()["data"]["queued"] == len(emails)  # the admin is not a "user"
    assert await db(JobRecord.count().where(JobRecord.task == "authstage.send_email")) == 4
    counts = await counts_on_the_page(actions)
    assert counts["queued"] == 4
    for _ in range(200):  # the app's runner polls once a second when idle
        if (counts := await counts_on_the_page(actions))["sent"] == 4:
            break
        await asyncio.sleep(0.1)
    assert counts == {"queued": 4, "sent": 4, "failed": 0}
    received = sorted(rcpt for rcpts, _ in smtp_server.received for rcpt in rcpts)
    assert received == emails
    assert all(message["Subject"] == "Maintenance" for _, message in smtp_server.received)


async def test_all_users_means_every_account_the_admin_included(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    await add_users(("Ada", "ada@example.com"))
    everyone = {**ANNOUNCEMENT, "audience": "all"}
    assert (await actions.call(admin.send_announcement, data=everyone)).json()["data"][
        "queued"
    ] == 2


async def test_the_form_without_javascript_shows_errors_and_keeps_the_values(
    actions: ActionClient,
) -> None:
    await sign_up_admin(actions)
    fields = {"subject": "", "message": "Keep this text", "audience": "admin"}
    response = await actions.form(admin.send_announcement, fields, referer=f"{BASE}/admin/announce")
    assert (response.status_code, response.headers["location"]) == (303, "/admin/announce")
    page = (await actions.client.get("/admin/announce")).text
    assert 'data-field="subject">Must not be empty' in page
    assert "Keep this text</textarea>" in page
    assert '<option value="admin" selected>' in page
    assert await db(JobRecord.count()) == 0


async def test_a_subject_smuggling_a_header_or_an_empty_role_queues_nothing(
    actions: ActionClient,
) -> None:
    await sign_up_admin(actions)
    await add_users(("Ada", "ada@example.com"))
    smuggled = {**ANNOUNCEMENT, "subject": "Hi\r\nBcc: everyone@example.com"}
    error = error_of(await actions.call(admin.send_announcement, data=smuggled))
    assert error["code"] == "VALIDATION" and "subject" in error["fieldErrors"]
    await edit_behind(
        actions, User.update({User.role: "admin"}).where(User.email == "ada@example.com")
    )
    nobody = error_of(await actions.call(admin.send_announcement, data=ANNOUNCEMENT))
    assert nobody["fieldErrors"] == {"audience": ["Nobody has this role"]}
    assert await db(JobRecord.count()) == 0


async def test_the_form_posts_and_says_how_many_were_queued(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    await add_users(("Ada", "ada@example.com"), ("Alan", "alan@example.com"))
    await actions.form(admin.send_announcement, ANNOUNCEMENT, referer=f"{BASE}/admin/announce")
    page = (await actions.client.get("/admin/announce")).text
    assert '<p role="status">Queued 2 messages.</p>' in page
    assert "Maintenance</td>" in page


async def test_a_user_cannot_announce(actions: ActionClient) -> None:
    await signup(actions)
    refused = await actions.call(admin.send_announcement, data=ANNOUNCEMENT)
    assert error_of(refused)["code"] == "FORBIDDEN"
    assert await db(JobRecord.count()) == 0


async def test_sending_refreshes_the_counts_region_in_its_reply(actions: ActionClient) -> None:
    await sign_up_admin(actions)
    await add_users(("Ada", "ada@example.com"))
    reads = [{"action": actions.id_of(admin.announcement_counts), "args": {}}]
    header = {"authstage-refresh": msgspec.json.encode(reads).decode()}
    response = await actions.call(admin.send_announcement, data=ANNOUNCEMENT, headers=header)
    [fresh] = response.json()["refresh"]
    assert "Maintenance</td>" in fresh["data"] and '<td class="queued">1</td>' in fresh["data"]
