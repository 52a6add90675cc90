"""Bulk mail as background jobs: one ``send_email`` job per recipient.

The seeds send an announcement as one ``send-email`` job per recipient, so that a slow or
failing address never holds up the others and each one is retried on its own. This module is
that pattern, built on the two capabilities it joins: ``compose`` and the app's ``Mailer``
(mail.py) and ``enqueue`` (jobs/)::

    app = Litestar(plugins=[
        AuthstagePlugin(actions=[...]),
        JobsPlugin(JobsConfig(tasks=["authstage.mailjobs", ...])),
    ])

    @action(roles=["admin"])
    async def announce(data: Announcement) -> int:
        job_ids = await enqueue_bulk_mail(data.recipients, subject=data.subject, body=data.body)
        return len(job_ids)

``enqueue_bulk_mail`` composes every message before it queues any, so a malformed address
fails the whole call with ``VALIDATION`` (422, the address named) and nothing is queued; each
address is queued once. The ``send_email`` task sends through ``mailer_from_env()`` (the
outbox folder by default, SMTP with ``AUTHSTAGE_SMTP_URL``). A mail server that is down
(``Unavailable``) is retried with the queue's backoff, like any unexpected error; a message the
server refuses for good (``BadRequest``) fails its job at once, since sending it again cannot
help. A queue that goes down part-way through leaves the jobs queued so far in place (the
call fails with ``Unavailable``); calling again mails those addresses twice. Cost: one job
record (or one Redis job) per recipient.
"""

from __future__ import annotations

from collections.abc import Iterable

from authstage.errors import Unavailable
from authstage.jobs import enqueue, task
from authstage.mail import compose, mailer_from_env

__all__ = ["MailDeferred", "enqueue_bulk_mail", "send_email"]


class MailDeferred(Exception):
    """The mail server could not take the message now; the job is retried."""


@task(name="authstage.send_email")
async def send_email(
    *, to: str, subject: str, body: str, sender: str | None = None, html: str | None = None
) -> None:
    """Send one message to one address (a job of ``enqueue_bulk_mail``)."""
    message = compose(to=to, subject=subject, body=body, sender=sender, html=html)
    try:
        await mailer_from_env().send(message)
    except Unavailable as exc:  # an ActionError would fail the job for good: retry instead
        raise MailDeferred(exc.message) from exc


async def enqueue_bulk_mail(
    recipients: Iterable[str],
    *,
    subject: str,
    body: str,
    sender: str | None = None,
    html: str | None = None,
) -> list[str]:
    """Queue one ``send_email`` job per distinct recipient; their job IDs, in order.

    Raises:
        ValidationFailed: an address (or the sender) is malformed; nothing is queued.
        Unavailable: the job queue cannot be reached.
    """
    addresses = list(dict.fromkeys(recipients))  # each address once, first order kept
    for address in addresses:  # every message is checked before any is queued
        compose(to=address, subject=subject, body=body, sender=sender, html=html)
    return [
        await enqueue(send_email, to=address, subject=subject, body=body, sender=sender, html=html)
        for address in addresses
    ]
