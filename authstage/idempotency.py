"""Idempotency keys: a retried call runs the action once and gets the first reply again.

A caller that may retry a mutation (a dropped connection, a timeout, a double click) sends
``Idempotency-Key: <random text>`` with it. The first call with a key runs; its reply (status,
envelope, cookies) is recorded for ``idempotency_window`` seconds, and any later call with the
same key, by the same caller, to the same action, with the same arguments gets that recorded
reply, marked ``Idempotent-Replayed: true``, without the action running again.

Scope. A key is looked up under ``(caller, action, key)``: the caller is the signed-in user when
there is one, else the session cookie, else "anonymous". One user's key never replays another
user's result. Anonymous callers share a scope, so their keys must be unguessable (the
generated clients use random UUIDs).

What is recorded. Replies of calls whose action ran to the end: success, a redirect, or an
expected error the action raised (``CONFLICT``, ``VALIDATION``...). Not recorded, so a retry runs
again: failures before the action started (401, 422 on the arguments: nothing ran), ``INTERNAL``
(a crash may be transient), ``RATE_LIMITED`` and ``UNAVAILABLE`` (meant to be retried), and a
call cancelled because its client went away.

Concurrent duplicates. While the first call runs, a duplicate waits for it and then replays its
reply. Inside one process that is an in-memory future (atomic on the event loop). Across
processes sharing a ``RedisStore`` the first call also takes a claim with ``SET NX``; a
duplicate arriving at another instance polls until the reply is recorded, and answers
``CONFLICT`` with ``Retry-After`` if that takes longer than ``wait`` seconds. With another kind
of shared store, claims are per process only.

The same key with different arguments is refused: ``VALIDATION`` (422, as the IETF
Idempotency-Key draft asks) with a form error; nothing runs. Arguments are compared by a SHA-256
of their JSON and of the bytes of each uploaded file (a spooled file's content is not in its
JSON), read from the file's spool.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar.stores.memory import MemoryStore

from authstage.encoding import Reply
from authstage.errors import BadRequest, Conflict, ValidationFailed
from authstage.uploads import UploadedFile

if TYPE_CHECKING:
    from litestar.stores.base import Store
    from litestar.stores.redis import RedisStore

    from authstage.context import RequestContext
    from authstage.registry import ActionSpec

__all__ = [
    "IDEMPOTENCY_HEADER",
    "REPLAYED_HEADER",
    "Idempotency",
    "caller_scope",
    "fingerprint",
]

IDEMPOTENCY_HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")

#: Statuses whose replies are not recorded: a retry of these should run again.
_RETRYABLE = frozenset({429, 500, 503})
_MAX_KEY = 255
_PREFIX = "authstage:idempotency:"


class _Record(msgspec.Struct, array_like=True):
    """A recorded reply, kept in the store (MessagePack)."""

    fingerprint: bytes
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Record).decode


def _check_key(raw: bytes) -> bytes:
    if not 0 < len(raw) <= _MAX_KEY or any(b < 0x21 or b > 0x7E for b in raw):
        raise BadRequest(f"Idempotency-Key must be 1 to {_MAX_KEY} visible ASCII characters")
    return raw


def caller_scope(ctx: RequestContext, session_cookie: str) -> str:
    """Who is calling, for scoping keys: the signed-in user, else the session, else anonymous."""
    principal = ctx.principal
    user_id = getattr(principal, "user_id", None) if principal is not None else None
    if user_id is not None:
        return f"user:{user_id}"
    token = ctx.cookies.get(session_cookie)
    if token:
        return "session:" + hashlib.sha256(token.encode()).hexdigest()
    return "anonymous"


def _redis_of(store: Store) -> Any:
    """The ``redis.asyncio.Redis`` client behind a Litestar ``RedisStore``, else None.

    Asked of ``sys.modules``: a ``RedisStore`` exists only once its module is imported, and
    importing it here would load redis-py (about half a second) into apps that never use it.
    """
    module = sys.modules.get("litestar.stores.redis")
    redis_store = getattr(module, "RedisStore", None)
    if redis_store is None or not isinstance(store, redis_store):
        return None
    return cast("RedisStore", store)._redis


def fingerprint(arguments: Any) -> bytes:
    """The digest a retry's arguments must match: their JSON, then each file's bytes."""
    digest = hashlib.sha256(msgspec.json.encode(arguments))
    args, kwargs = arguments
    for value in (*args, *kwargs.values()):
        for file in value if isinstance(value, list) else (value,):
            if isinstance(file, UploadedFile):
                for chunk in file.chunks():
                    digest.update(chunk)
                file.seek(0)
    return digest.digest()


class Idempotency:
    """Runs each ``(caller, action, key)`` at most once per window and replays its reply."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        window: int = 3600,
        session_cookie: str = "authstage_session",
        wait: float = 10.0,
        claim_ttl: int = 300,
    ) -> None:
        """Args:
        store: where replies are kept; a process-local ``MemoryStore`` when None.
        window: seconds a reply stays replayable.
        session_cookie: the session cookie's name (for anonymous-but-in-a-session callers).
        wait: seconds a duplicate waits for a call running in another process.
        claim_ttl: seconds a cross-process claim lives if its process dies mid-call.
        """
        self.store: Store = store or MemoryStore()
        self.window = window
        self.session_cookie = session_cookie
        self.wait = wait
        self.claim_ttl = claim_ttl
        self._redis = _redis_of(self.store)
        self._running: dict[str, asyncio.Future[None]] = {}
        self._next_sweep = 0.0

    def slot(self, ctx: RequestContext, spec: ActionSpec, key: bytes) -> str:
        """The store key of ``key`` for this caller and action."""
        scope = caller_scope(ctx, self.session_cookie)
        digest = hashlib.sha256(
            b"\0".join((scope.encode(), spec.name.encode(), _check_key(key)))
        ).hexdigest()
        return _PREFIX + digest

    async def once(
        self,
        ctx: RequestContext,
        spec: ActionSpec,
        key: bytes,
        arguments: Any,
        produce: Callable[[], Awaitable[Reply]],
        digest: bytes | None = None,
    ) -> Reply:
        """The recorded reply for this key, or ``produce()``'s, recorded when it should be.

        ``digest`` is ``fingerprint(arguments)`` when the caller has it already.

        Raises:
            BadRequest: the key is malformed.
            ValidationFailed: the key was used with other arguments.
            Conflict: a call with this key is still running in another process.
        """
        slot = self.slot(ctx, spec, key)
        digest = digest or fingerprint(arguments)
        deadline = time.monotonic() + self.wait
        while True:
            raw = await self.store.get(slot)
            if raw is not None:
                return self._replay(_decode(raw), digest)
            running = self._running.get(slot)
            if running is not None:  # the same key, running in this process: wait for it
                await asyncio.shield(running)
                continue
            if await self._claim(slot):
                break
            if time.monotonic() > deadline:
                raise Conflict(
                    "A call with this idempotency key is still running; retry shortly",
                    headers={"retry-after": "1"},
                )
            await asyncio.sleep(0.05)
        done = asyncio.get_running_loop().create_future()
        self._running[slot] = done
        try:
            reply = await produce()
            if reply.status not in _RETRYABLE:
                record = _Record(digest, reply.status, reply.body, reply.headers)
                await self.store.set(slot, _encode(record), expires_in=self.window)
                await self._sweep()
            return reply
        finally:
            del self._running[slot]
            done.set_result(None)
            if self._redis is not None:
                await asyncio.shield(self._release(slot))

    def _replay(self, record: _Record, fingerprint: bytes) -> Reply:
        if record.fingerprint != fingerprint:
            message = "This idempotency key was already used with other arguments"
            raise ValidationFailed(message, form_errors=[message])
        return Reply(record.status, record.body, [*record.headers, REPLAYED_HEADER])

    async def _claim(self, slot: str) -> bool:
        """Take the cross-process claim on ``slot`` (always granted without Redis)."""
        if self._redis is None:
            return True
        claimed = await self._redis.set(self._claim_key(slot), b"1", nx=True, ex=self.claim_ttl)
        return bool(claimed)

    async def _release(self, slot: str) -> None:
        await self._redis.delete(self._claim_key(slot))

    def _claim_key(self, slot: str) -> str:
        return self.store._make_key(slot + ":running")  # type: ignore[attr-defined,no-any-return]

    async def _sweep(self) -> None:
        """Drop expired replies from a ``MemoryStore`` (at most once a minute)."""
        now = time.monotonic()
        if isinstance(self.store, MemoryStore) and now >= self._next_sweep:
            self._next_sweep = now + 60
            await self.store.delete_expired()
