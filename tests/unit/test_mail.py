"""Mail: composing, the outbox folder, choosing a mailer, one message per recipient."""

from __future__ import annotations

import asyncio
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from authstage import Unavailable, ValidationFailed
from authstage.mail import Mailer, OutboxMailer, compose, mailer_from_env, send_many
from authstage.smtp import SmtpMailer
from tests.live_server import free_port
from tests.unit.smtp_server import Inbox, smtp_server

__all__ = ["smtp_server"]  # fixtures used here


async def test_the_outbox_writes_each_message_as_one_eml_file(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "outbox")
    message = compose(to="ada@example.com", subject="Welcome", body="Hello Ada", html="<p>Hi</p>")
    await outbox.send(message)
    [path] = outbox.messages()
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ada@example.com"
    assert parsed["Subject"] == "Welcome"
    assert parsed.get_body(("plain",)).get_content().strip() == "Hello Ada"  # type: ignore[union-attr]
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Hi</p>"  # type: ignore[union-attr]


async def test_outbox_names_sort_by_time_are_unique_and_never_half_written(
    tmp_path: Path,
) -> None:
    outbox = OutboxMailer(tmp_path)
    for n in range(3):
        await outbox.send(compose(to="a@example.com", subject=f"n{n}", body="b"))
    await asyncio.gather(
        *(outbox.send(compose(to="a@example.com", subject="same", body="b")) for _ in range(20))
    )
    paths = outbox.messages()
    assert len({p.name for p in paths}) == 23
    subjects = [message_from_bytes(p.read_bytes())["Subject"] for p in paths[:3]]
    assert subjects == ["n0", "n1", "n2"]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths)  # no temporary left


def test_header_injection_and_bad_addresses_are_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        compose(to="a@example.com\r\nBcc: victim@example.com", subject="s", body="b")
    assert "to" in info.value.field_errors
    with pytest.raises(ValidationFailed) as info:
        compose(to="a@example.com", subject="s\nBcc: victim@example.com", body="b")
    assert "subject" in info.value.field_errors
    for address in ["nobody", "", "<>"]:
        with pytest.raises(ValidationFailed):
            compose(to=address, subject="s", body="b")


def test_the_mailer_is_chosen_by_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUTHSTAGE_SMTP_URL", raising=False)
    monkeypatch.setenv("AUTHSTAGE_MAIL_OUTBOX", str(tmp_path))
    chosen = mailer_from_env()
    assert isinstance(chosen, OutboxMailer)
    assert chosen.folder == tmp_path
    monkeypatch.setenv("AUTHSTAGE_SMTP_URL", "smtp://user:pw@mail.example.com:2525")
    smtp = mailer_from_env()
    assert isinstance(smtp, SmtpMailer)
    assert isinstance(smtp, Mailer)
    assert (smtp.host, smtp.port, smtp.username) == ("mail.example.com", 2525, "user")
    assert "pw" not in repr(smtp)


async def test_send_many_sends_one_message_per_recipient(smtp_server: Inbox) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_server.port}?starttls=off")
    report = await send_many(
        mailer,
        ["a@example.com", "b@example.com", "not an address", "a@example.com"],
        subject="News",
        body="Hello",
        sender="team@example.com",
    )
    assert report.sent == ["a@example.com", "b@example.com"]
    assert list(report.failed) == ["not an address"]
    assert [rcpts for rcpts, _ in smtp_server.received] == [["a@example.com"], ["b@example.com"]]
    assert all(m["To"] == rcpts[0] for rcpts, m in smtp_server.received)  # nobody sees others


async def test_send_many_records_an_unreachable_server_per_recipient() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}?starttls=off&timeout=2")
    report = await send_many(mailer, ["a@example.com"], subject="s", body="b")
    assert isinstance(report.failed["a@example.com"], Unavailable)
