"""Bulk mail as jobs: one ``send_email`` job per recipient, through the real runner and SMTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from authstage import ValidationFailed
from authstage.db import Database
from authstage.jobs import Jobs, JobsConfig, JobState
from authstage.jobs.tables import JobRecord
from authstage.mailjobs import enqueue_bulk_mail
from tests.unit.jobs.sample_tasks import wait_for
from tests.unit.smtp_server import Inbox, smtp_server

__all__ = ["smtp_server"]  # the fixture used here


@pytest.fixture
async def jobs(database: Database) -> AsyncIterator[Jobs]:
    config = JobsConfig(
        tasks=["authstage.mailjobs"],
        url="database",
        poll_interval=0.05,
        retry_delay=0.01,
        retries=3,
    )
    queue = Jobs(config)
    await queue.startup()
    yield queue
    await queue.shutdown()


async def test_each_recipient_gets_one_job_and_one_message_in_the_outbox(
    jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTHSTAGE_SMTP_URL", raising=False)
    monkeypatch.setenv("AUTHSTAGE_MAIL_OUTBOX", str(tmp_path))
    recipients = ["ada@example.com", "alan@example.com", "ada@example.com"]
    job_ids = await enqueue_bulk_mail(recipients, subject="News", body="Hello")
    assert len(job_ids) == 2  # each address once
    for job_id in job_ids:
        assert (await wait_for(jobs, job_id, JobState.DONE)).attempts == 1
    sent = await asyncio.to_thread(lambda: [path.read_text() for path in tmp_path.glob("*.eml")])
    assert len(sent) == 2
    assert any("To: ada@example.com" in text for text in sent)
    assert all("To: ada@example.com, " not in text for text in sent)  # nobody sees the others


async def test_the_jobs_send_through_a_real_smtp_server(
    jobs: Jobs, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"smtp://127.0.0.1:{smtp_server.port}?starttls=off"
    monkeypatch.setenv("AUTHSTAGE_SMTP_URL", url)
    job_ids = await enqueue_bulk_mail(["a@example.com", "b@example.com"], subject="S", body="B")
    for job_id in job_ids:
        await wait_for(jobs, job_id, JobState.DONE)
    assert sorted(rcpt for rcpts, _ in smtp_server.received for rcpt in rcpts) == [
        "a@example.com",
        "b@example.com",
    ]


async def test_a_malformed_address_fails_the_call_and_queues_nothing(jobs: Jobs) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await enqueue_bulk_mail(["ok@example.com", "not an address"], subject="S", body="B")
    assert "to" in caught.value.field_errors
    assert await JobRecord.count() == 0


async def test_a_mail_server_that_is_down_is_retried_then_fails(
    jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.live_server import free_port

    monkeypatch.setenv("AUTHSTAGE_SMTP_URL", f"smtp://127.0.0.1:{free_port()}?starttls=off")
    [job_id] = await enqueue_bulk_mail(["a@example.com"], subject="S", body="B")
    status = await wait_for(jobs, job_id, JobState.FAILED)
    assert status.attempts == 3  # Unavailable is worth retrying, unlike a refusal
    assert status.error is not None and status.error.code == "INTERNAL"


async def test_a_recipient_the_server_refuses_fails_its_job_at_once(
    jobs: Jobs, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHSTAGE_SMTP_URL", f"smtp://127.0.0.1:{smtp_server.port}?starttls=off")
    [refused, delivered] = await enqueue_bulk_mail(
        ["nobody@refused.example", "c@example.com"], subject="S", body="B"
    )
    status = await wait_for(jobs, refused, JobState.FAILED)
    assert (status.attempts, status.error and status.error.code) == (1, "BAD_REQUEST")
    await wait_for(jobs, delivered, JobState.DONE)
