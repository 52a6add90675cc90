"""Batches: several action calls in one ``POST /_action``, each with its own result.

A client that has several calls to make at once (a page loading its data, a burst of calls in
one event-loop tick) can send them in one request instead of one request each::

    POST /_action
    Authstage-Batch: 1
    Content-Type: application/json

    {"calls": [{"action": "<id>", "args": {"a": 1, "b": 2}},
               {"action": "<id>", "args": {"data": {"title": ""}}, "idempotencyKey": "k1",
                "refresh": [{"action": "<id>", "args": {}}]}]}

and receives one envelope per call, in order, each exactly what the call would have received
alone::

    {"ok": true, "results": [{"ok": true, "data": 3},
                             {"ok": false, "error": {"code": "VALIDATION", ...}}]}

The calls run concurrently, each through the same steps as a single call (locate, its own body
limit, guard, decode, run) in its own request context; one call failing never fails the others.
They share the request's memo, so ``get_session()`` costs one query for the whole batch. Cookies
set by any call are all sent. A failure of the batch itself (origin check, malformed or
oversize body, too many calls) is an ordinary error envelope. Files are not batched: a call with
files is a multipart request of its own.

Each call takes the steps of ``ActionSteps`` (steps.py) that a single call takes, in the same
order; this module only reads the batch, fans it out and joins the replies. It is handed what
it needs by the dispatcher and never imports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec

from authstage.body import read_body
from authstage.context import RequestContext, current_var
from authstage.disconnect import DisconnectWatch
from authstage.encoding import Reply, send_json
from authstage.errors import BadRequest, UnsupportedMediaType

if TYPE_CHECKING:
    from litestar.types import Receive, Send

    from authstage.idempotency import Idempotency
    from authstage.refresh import Refresher
    from authstage.registry import ActionSpec
    from authstage.steps import ActionSteps

__all__ = ["BATCH_HEADER", "BatchCall", "BatchRequest", "respond"]

BATCH_HEADER = b"authstage-batch"


class BatchCall(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """One call of a batch: the action ID, its argument object and optional extras."""

    action: str
    args: msgspec.Raw = msgspec.Raw(b"{}")
    bound: str | None = None
    idempotency_key: str | None = None
    #: Reads to refresh after the call, as in ``Authstage-Refresh`` (refresh.py); empty when
    #: absent (``Raw | None`` would only ever decode ``null``).
    refresh: msgspec.Raw = msgspec.Raw(b"")


class BatchRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The body of a batch request."""

    calls: list[BatchCall]


_decode = msgspec.json.Decoder(BatchRequest).decode


def _calls(body: bytes, limit: int) -> list[BatchCall]:
    """The calls of a batch body, or ``BadRequest`` naming what is wrong with it."""
    if not body:
        raise BadRequest('The batch body is empty: send {"calls": [...]}')
    try:
        calls = _decode(body).calls
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Malformed batch: {exc}") from None
    except msgspec.DecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("The JSON is nested too deeply") from None
    if not 0 < len(calls) <= limit:
        raise BadRequest(f"A batch holds 1 to {limit} calls, not {len(calls)}")
    return calls


async def respond(
    steps: ActionSteps,
    idempotency: Idempotency,
    refresher: Refresher,
    ctx: RequestContext,
    headers: dict[bytes, bytes],
    media: str,
    receive: Receive,
    send: Send,
) -> None:
    """Read a batch, run its calls concurrently and send the results.

    Raises:
        ActionError: the batch itself is refused (media type, body, number of calls).
        ClientDisconnected: the client went away; the calls still running were cancelled.
    """
    if media != "application/json":
        raise UnsupportedMediaType("A batch is a JSON body")
    body = await read_body(receive, headers.get(b"content-length"), steps.form_limit)
    calls = _calls(body, steps.config.max_batch_calls)
    one = partial(_one, steps, idempotency, refresher, ctx, headers)
    with DisconnectWatch(receive):
        replies = await _all([one(call) for call in calls])
    out = b'{"ok":true,"results":[' + b",".join(reply.body for reply in replies) + b"]}"
    cookies = [pair for reply in replies for pair in reply.headers if pair[0] == b"set-cookie"]
    await send_json(send, 200, out, cookies)


async def _all(calls: list[Coroutine[Any, Any, Reply]]) -> list[Reply]:
    """Run ``calls`` concurrently, each in a task of its own, and return their replies in order.

    What ``asyncio.gather`` does for coroutines that never raise (``_one`` turns every error
    into a reply), without its per-child bookkeeping, which cost about a fifth of a batched
    no-op call: a task already finished is awaited without a turn of the loop. If this is
    cancelled (the client went away), every call still running is cancelled too.
    """
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(call) for call in calls]
    try:
        return [await task for task in tasks]
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


async def _one(
    steps: ActionSteps,
    idempotency: Idempotency,
    refresher: Refresher,
    parent: RequestContext,
    headers: dict[bytes, bytes],
    call: BatchCall,
) -> Reply:
    """One call of the batch, in its own task and request context; never raises an error."""
    observer = refresher.observer
    watched = observer.watching()
    started = observer.clock() if watched else 0
    ctx = RequestContext(parent.scope, parent.receive)
    ctx.memo = parent.memo  # one session lookup for the whole batch
    current_var.set(ctx)  # this task's own copy of the context variables
    spec: ActionSpec | None = None
    opened = None  # the call's span, with tracing
    try:
        spec = steps.locate(call.action.encode("latin-1", "replace"), headers)  # 2 locate
        args_body, refresh = bytes(call.args), bytes(call.refresh) or None
        # 3 (the batch body was read under the widest limit); the reads count towards it
        steps.check_size(spec, len(args_body) + len(call.refresh))
        await steps.guard(ctx, spec)  # 4 guard
        bound = call.bound.encode() if call.bound is not None else None
        arguments = steps.decode_json(spec, args_body, bound)  # 5 decode
        then = None
        if refresh is not None:  # the reads, checked before anything runs (refresh.py)
            then = partial(refresher.refresh, refresher.prepare(refresh, headers))
        ctx.action = spec.name
        if watched:
            opened = observer.enter(spec.name, started)
        if call.idempotency_key is None:
            reply = await steps.reply(ctx, spec, arguments, then)  # 6-7 run, encode
        else:  # 6-7 at most once per key
            key = call.idempotency_key.encode("latin-1", "replace")
            produce = partial(steps.reply, ctx, spec, arguments, then)
            reply = await idempotency.once(ctx, spec, key, arguments, produce)
    except Exception as exc:  # every failure becomes this call's own error envelope
        reply = steps.error_reply(ctx, exc, spec)
    if watched:
        name = spec.name if spec else None
        observer.record(name, reply.status, reply.body, None, started, opened)
    return reply
