"""Mail: a pluggable ``Mailer``, an outbox folder by default, SMTP in production.

A mailer is anything with ``async def send(message: EmailMessage) -> None`` (the stdlib's
``email.message.EmailMessage``, so attachments, HTML alternatives and headers are the
standard library's, not ours). Two ship:

- ``OutboxMailer(folder)`` (the default) writes each message as one ``.eml`` file, openable in
  any mail client. The write is atomic (a temporary file in the same folder, flushed, then
  renamed), so a reader of the folder never sees half a message; names are
  ``<nanoseconds>-<random>.eml``, sorted by time and unique across processes.
- ``SmtpMailer(url)`` (smtp.py) sends through an SMTP server.

``mailer_from_env()`` picks one: ``AUTHSTAGE_SMTP_URL`` set means SMTP, else the outbox at
``AUTHSTAGE_MAIL_OUTBOX`` (``outbox``). ``compose()`` builds a message and refuses header
injection; ``send_many()`` sends one message per recipient (nobody sees the others'
addresses) and reports each failure instead of stopping at the first; as background work,
one job per recipient, it is ``enqueue_bulk_mail`` (mailjobs.py).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol, runtime_checkable

from authstage.errors import ActionError, ValidationFailed
from authstage.smtp import SmtpMailer

__all__ = [
    "Mailer",
    "OutboxMailer",
    "SendReport",
    "compose",
    "mailer_from_env",
    "send_many",
]


#: Headers whose every address must be complete (``user@domain``).
ADDRESS_HEADERS = frozenset({"From", "To", "Cc", "Bcc", "Reply-To"})


@runtime_checkable
class Mailer(Protocol):
    """Sends one message; raises ``Unavailable`` when the transport is down."""

    async def send(self, message: EmailMessage) -> None: ...


def compose(
    *,
    to: str | Iterable[str],
    subject: str,
    body: str,
    sender: str | None = None,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A message with a plain-text body (and an HTML alternative when ``html`` is given).

    ``sender`` defaults to ``AUTHSTAGE_MAIL_FROM`` (``noreply@localhost``).

    Raises:
        ValidationFailed: an address or header is malformed or smuggles a line break.
    """
    message = EmailMessage()
    fields = {
        "From": sender or os.environ.get("AUTHSTAGE_MAIL_FROM", "noreply@localhost"),
        "To": to if isinstance(to, str) else ", ".join(to),
        "Subject": subject,
        **(headers or {}),
    }
    for name, value in fields.items():
        try:
            message[name] = value
        except (ValueError, IndexError, TypeError) as exc:  # CR/LF, unparsable address
            raise ValidationFailed(field_errors={name.lower(): [str(exc)]}) from None
    for name in ADDRESS_HEADERS & set(fields):
        addresses = message[name].addresses
        if not addresses or any(not a.username or not a.domain for a in addresses):
            raise ValidationFailed(
                field_errors={name.lower(): ["Enter addresses like ada@example.com"]}
            )
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class OutboxMailer:
    """Writes each message to ``folder`` as one ``.eml`` file (the development default)."""

    def __init__(self, folder: str | os.PathLike[str] = "outbox") -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.folder)!r})"

    async def send(self, message: EmailMessage) -> None:
        """Write ``message`` atomically (in a thread: file I/O must not stall the loop)."""
        await asyncio.to_thread(self._write, message.as_bytes())

    def _write(self, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            final = self.folder / name
            os.replace(temporary, final)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return final

    def messages(self) -> list[Path]:
        """The ``.eml`` files in the outbox, oldest first (tests, a development inbox)."""
        return sorted(self.folder.glob("*.eml")) if self.folder.is_dir() else []


def mailer_from_env() -> Mailer:
    """``SmtpMailer(AUTHSTAGE_SMTP_URL)`` when set, else ``OutboxMailer(AUTHSTAGE_MAIL_OUTBOX)``."""
    url = os.environ.get("AUTHSTAGE_SMTP_URL", "").strip()
    if url:
        return SmtpMailer(url)
    return OutboxMailer(os.environ.get("AUTHSTAGE_MAIL_OUTBOX", "").strip() or "outbox")


@dataclass
class SendReport:
    """What ``send_many`` did: the addresses sent to and each failure's error."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, ActionError] = field(default_factory=dict)


async def send_many(
    mailer: Mailer,
    recipients: Iterable[str],
    *,
    subject: str,
    body: str,
    sender: str | None = None,
    html: str | None = None,
) -> SendReport:
    """Send one message per recipient, in order; a failure is recorded and the rest go on.

    This runs in the caller; ``enqueue_bulk_mail`` (mailjobs.py) queues one job per
    recipient instead, so that retries are per recipient.
    """
    report = SendReport()
    for address in dict.fromkeys(recipients):  # each address once
        try:
            message = compose(to=address, subject=subject, body=body, sender=sender, html=html)
            await mailer.send(message)
        except ActionError as exc:  # Unavailable, BadRequest, ValidationFailed
            report.failed[address] = exc
        else:
            report.sent.append(address)
    return report
