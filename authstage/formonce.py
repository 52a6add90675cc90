"""One-time form keys: a form posted twice without JavaScript runs its action once.

A browser without JavaScript cannot send an ``Idempotency-Key`` header, and a double click, an
impatient second click or a form resent from the history posts the same form again: two posts,
two likes, two orders. Next.js leaves that to the app. Here every form rendered with
``action_fields()`` or ``bind(...).form_fields()`` carries a hidden ``_once`` field, a random
key made for that rendering, and a no-JS post carrying it goes through the idempotency store
(idempotency.py) under that key and a digest of the arguments:

- the same rendered form posted again with the same values (a double click, a resend) waits
  for the first post if it is still running and gets its reply: the same redirect and cookies,
  so the browser lands where the first post would have taken it, and the action ran once;
- the same rendered form posted with other values (the user went back and changed a field) is
  another call, and runs;
- a failure (validation, an expected error) is not recorded: it changed nothing, and the
  second post gets its own failure page.

A call keyed this way runs to its end even if the browser drops the first connection (which
it does on a double click): the reply must be recorded for the second post, and an action
cancelled after its write but before its record would be run again. The reply of a no-JS post
is recorded as ASGI messages (``Recorder``), not as a JSON envelope.

Cost: one random key per rendered form, and for a keyed post one store read and write, as for
an ``Idempotency-Key`` header. Scope and window are those of idempotency keys.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from authstage.encoding import Reply
from authstage.idempotency import fingerprint
from authstage.params import ONCE_FIELD

if TYPE_CHECKING:
    from litestar.types import Message, Send

__all__ = ["ONCE_FIELD", "Recorder", "form_key", "new_once", "send_reply"]

_KEY_BYTES = 16
_MAX_ONCE = 64


def new_once() -> str:
    """A fresh one-time key for one rendering of a form."""
    return secrets.token_urlsafe(_KEY_BYTES)


def form_key(once: str, arguments: Any) -> tuple[bytes, bytes] | None:
    """The idempotency key of a no-JS post, with the digest of its arguments it is made from
    (``Idempotency.once`` takes it, so the arguments, files included, are read once): its
    form's key and that digest, so a resent form with other values is another call. None for a
    value no form of ours made (the post then runs unkeyed, as before)."""
    if not 0 < len(once) <= _MAX_ONCE or not once.isascii() or not once.isprintable():
        return None
    digest = fingerprint(arguments)
    return f"form:{once}:{digest.hex()[:32]}".encode(), digest


class Recorder:
    """An ASGI ``send`` that keeps the response instead of sending it."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    def reply(self) -> Reply:
        """What was sent, as a reply to record (its length is recomputed when sent)."""
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        return Reply(self.status, self.body, headers)


async def send_reply(send: Send, reply: Reply) -> None:
    """Send a recorded reply as it was (a 303 stays a 303, with its cookies)."""
    headers = [*reply.headers, (b"content-length", b"%d" % len(reply.body))]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})
