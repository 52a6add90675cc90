"""SmtpMailer against a real local SMTP server (aiosmtpd), and when there is none."""

from __future__ import annotations

import time

import pytest

from authstage import BadRequest, ConfigurationError, Unavailable
from authstage.mail import compose
from authstage.smtp import SmtpMailer
from tests.live_server import free_port
from tests.unit.smtp_server import PASSWORD, USER, Inbox, smtp_server

__all__ = ["smtp_server"]  # fixtures used here


async def test_a_message_arrives_with_its_headers_and_body_intact(smtp_server: Inbox) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_server.port}?starttls=off")
    message = compose(
        to=["Ada <ada@example.com>", "bob@example.com"],
        subject="Grüße: your export is ready",
        body="Hello Ada,\n\nline two, ünïcode\n",
        sender="Team <team@example.com>",
        headers={"Reply-To": "help@example.com", "X-Export-Id": "42"},
    )
    await mailer.send(message)
    [(recipients, received)] = smtp_server.received
    assert recipients == ["ada@example.com", "bob@example.com"]
    for name in ["From", "To", "Subject", "Reply-To", "X-Export-Id", "Message-ID", "Date"]:
        assert received[name] == message[name], name
    body = received.get_body(("plain",))
    assert body is not None
    # SMTP carries lines ended by CRLF (RFC 5321); the text itself is unchanged.
    assert body.get_content().replace("\r\n", "\n") == "Hello Ada,\n\nline two, ünïcode\n"


async def test_credentials_from_the_url_log_in(smtp_server: Inbox) -> None:
    url = f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{smtp_server.port}?starttls=off"
    await SmtpMailer(url).send(compose(to="a@example.com", subject="s", body="b"))
    assert len(smtp_server.received) == 1
    wrong = f"smtp://{USER}:nope@127.0.0.1:{smtp_server.port}?starttls=off"
    with pytest.raises(Unavailable):  # a configuration fault: retry later, after it is fixed
        await SmtpMailer(wrong).send(compose(to="a@example.com", subject="s", body="b"))


async def test_credentials_never_cross_in_clear_without_starttls(smtp_server: Inbox) -> None:
    mailer = SmtpMailer(f"smtp://{USER}:x@127.0.0.1:{smtp_server.port}")
    assert mailer.start_tls is True
    with pytest.raises(Unavailable):  # this server offers no STARTTLS: nothing is sent
        await mailer.send(compose(to="a@example.com", subject="s", body="b"))
    assert smtp_server.received == []


async def test_an_unreachable_smtp_server_is_unavailable_with_retry_after() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}?starttls=off&timeout=2")
    started = time.monotonic()
    with pytest.raises(Unavailable) as info:
        await mailer.send(compose(to="a@example.com", subject="s", body="b"))
    assert time.monotonic() - started < 3
    assert info.value.status == 503
    assert info.value.headers["retry-after"] == "30"


async def test_a_refused_recipient_is_a_bad_request(smtp_server: Inbox) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_server.port}?starttls=off")
    with pytest.raises(BadRequest):
        await mailer.send(compose(to="nobody@refused.example", subject="s", body="b"))
    assert smtp_server.received == []


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.com", "smtp://", "smtp://h?starttls=maybe", "smtp://h?timeout=soon"],
)
def test_bad_smtp_urls_fail_at_startup(url: str) -> None:
    with pytest.raises(ConfigurationError):
        SmtpMailer(url)
