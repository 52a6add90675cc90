"""``SmtpMailer``: send mail through an SMTP server with ``aiosmtplib``, configured by one URL.

``smtp://user:pass@host:587`` upgrades with STARTTLS when the server offers it, and insists
on it when the URL carries credentials (a password never crosses the network in clear);
``smtps://host:465`` speaks TLS from the first byte; ``?starttls=off`` allows a local relay
without TLS (a development catcher, a sidecar on localhost). ``?timeout=`` bounds each send in
seconds (10 by default).

Each send opens its own connection: no pool to keep alive, drain or re-authenticate, at the
cost of one handshake per message (mail is sent from jobs, one per recipient, where that is
not the bottleneck; ``aiosmtplib`` is imported by the first send, not with the package).
Failures are answers from the one error tree: a server that cannot be reached, times out or
answers 4xx (try later) is ``Unavailable`` with ``Retry-After``; a message the server refuses
for good (5xx) is ``BadRequest``: sending it again will not help.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from authstage.errors import BadRequest, ConfigurationError, Unavailable

__all__ = ["SmtpMailer"]

logger = logging.getLogger("authstage.mail")

#: Seconds a caller is told to wait after the mail server was unavailable.
RETRY_AFTER = 30


class SmtpMailer:
    """Sends each message through the SMTP server named by ``url``.

    Example:
        >>> mailer = SmtpMailer("smtp://app:secret@mail.example.com:587")
        >>> await mailer.send(compose(to="ada@example.com", subject="Hi", body="Hello"))
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigurationError("SMTP URL must look like smtp://user:pass@host:587")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.host = parts.hostname
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        starttls = query.get("starttls", "auto").lower()
        if starttls not in {"auto", "required", "off"}:
            raise ConfigurationError(f"SMTP starttls must be auto, required or off: {starttls!r}")
        self.start_tls: bool | None = None  # auto: STARTTLS when the server offers it
        if self.use_tls or starttls == "off":
            self.start_tls = False
        elif starttls == "required" or self.username is not None:
            self.start_tls = True
        try:
            self.timeout = float(query.get("timeout", "10"))
        except ValueError:
            raise ConfigurationError("SMTP timeout must be a number of seconds") from None
        if self.timeout <= 0:
            raise ConfigurationError("SMTP timeout must be positive")

    def __repr__(self) -> str:  # never the password
        return f"SmtpMailer({self.host}:{self.port}, user={self.username!r})"

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its ``To``, ``Cc`` and ``Bcc`` recipients.

        Raises:
            Unavailable: the server cannot be reached, timed out, or answered "try later".
            BadRequest: the server refused the message for good (a 5xx answer).
        """
        import aiosmtplib

        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
            codes = (
                [exc.code]
                if isinstance(exc, aiosmtplib.SMTPResponseException)
                else [refusal.code for refusal in exc.recipients]
            )
            if all(500 <= code < 600 for code in codes) and not isinstance(
                exc, aiosmtplib.SMTPAuthenticationError
            ):
                raise BadRequest(f"The mail server refused the message ({codes[0]})") from exc
            raise self._unavailable(exc) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> Unavailable:
        logger.warning("mail server %s:%s unavailable: %r", self.host, self.port, exc)
        return Unavailable(
            "The mail server is unavailable; try again later",
            headers={"retry-after": str(RETRY_AFTER)},
        )
