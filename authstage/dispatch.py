"""``POST /_action``: one call, one straight path.

Read ``ActionEndpoint.__call__`` top to bottom; each numbered step is one line or one helper:

1. origin check   ``OriginPolicy.check`` (csrf.py) before anything else
2. locate         the ``Authstage-Action`` header (JS, clients) or the ``_action`` form field
3. read body      ``read_body`` (body.py) under the action's size limit; a multipart body is
                  parsed as it streams, files spooled under their rules (formstream.py)
4. guard          deny anonymous callers unless ``public``; configured guards
5. decode         one precompiled msgspec decoder per action (params.py), forms via forms.py
6. run            inside the ``RequestContext`` (context.py), cancelled if the client goes
                  away (disconnect.py); at most once per ``Idempotency-Key`` (idempotency.py);
                  then the reads named in ``Authstage-Refresh`` that it revalidated (refresh.py)
7. encode         the return annotation is the wire type (encoding.py); no-JS forms get 303
                  (noscript.py)

Steps 2-7 are methods of ``ActionSteps`` (steps.py), written once and called in the same order
by the batch reader (batch.py); this module only decides where the ID and the body come from.
Each call leaves one access-log line (and, with OpenTelemetry, a span: observe.py).

Every failure is an ``ActionError`` turned into the envelope with its status; anything else is
INTERNAL with a digest. Nothing runs before steps 1-5 have passed. The reply is sent only after
the request context is reset (``Outbox``), so nothing the server schedules while sending keeps
the request's objects alive. A request with the ``Authstage-Batch`` header carries several
calls, each taking steps 2-7 (batch.py).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from litestar.stores.memory import MemoryStore

from authstage import batch
from authstage.binding import Binder
from authstage.body import ClientDisconnected, read_body
from authstage.context import RequestContext, current_var
from authstage.csrf import OriginPolicy
from authstage.disconnect import DisconnectWatch
from authstage.encoding import Reply, error_envelope, send_json
from authstage.errors import (
    ActionError,
    BadRequest,
    ErrorBody,
    MethodNotAllowed,
    NotFound,
    UnsupportedMediaType,
)
from authstage.formonce import Recorder, form_key, send_reply
from authstage.forms import Form, parse_form, submitted_values
from authstage.formstream import read_multipart
from authstage.idempotency import IDEMPOTENCY_HEADER, Idempotency
from authstage.noscript import NoScriptReply
from authstage.observe import CallObserver
from authstage.params import ONCE_FIELD
from authstage.refresh import REFRESH_HEADER, Prepared, Refresher
from authstage.steps import ActionSteps, Arguments

if TYPE_CHECKING:
    from litestar.types import Message, Receive, Scope, Send

    from authstage.actionlimits import ActionLimits
    from authstage.audit.log import AuditLog
    from authstage.config import ResolvedConfig
    from authstage.registry import ActionSpec, Registry

__all__ = ["ActionEndpoint"]

_MULTIPART = "multipart/form-data"
_FORMS = (_MULTIPART, "application/x-www-form-urlencoded")
_ALLOW = [(b"allow", b"POST")]
#: The status logged for a call whose client went away before a reply (nginx's convention).
_CLIENT_GONE = 499


_PLAIN_JSON: tuple[str, dict[str, str]] = ("application/json", {})


def _media_type(raw: bytes) -> tuple[str, dict[str, str]]:
    """``("type/subtype", {param: value})`` of a Content-Type header."""
    if raw == b"application/json":
        return _PLAIN_JSON
    head, *rest = raw.decode("latin-1").split(";")
    params = {}
    for item in rest:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return head.strip().lower(), params


def _form_action(form: Form) -> bytes:
    """The raw ID in a no-JS form's ``_action`` field."""
    field = form.first("_action")
    if field is None:
        raise BadRequest("The form has no _action field naming the action")
    return field.encode()


class Outbox:
    """Holds a reply's ASGI messages until the request context is gone, then sends them."""

    __slots__ = ("messages",)

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    async def flush(self, send: Send) -> None:
        for message in self.messages:
            await send(message)

    def sent(self) -> tuple[int, bytes]:
        """The status and body held (499 and nothing when no reply was made)."""
        if not self.messages:
            return _CLIENT_GONE, b""
        start, *rest = self.messages
        status = start.get("status")
        body = rest[0].get("body") if rest else b""
        return (
            status if isinstance(status, int) else _CLIENT_GONE,
            body if isinstance(body, bytes) else b"",
        )


class ActionEndpoint:
    """The ASGI app behind ``POST /_action``, built once at startup."""

    def __init__(
        self,
        registry: Registry,
        config: ResolvedConfig,
        *,
        limits: ActionLimits | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        """``limits`` and ``audit`` (built by the plugin) are handed to the steps."""
        self.registry = registry
        self.config = config
        self.binder = Binder(registry)
        self.steps = ActionSteps(registry, config, self.binder, limits=limits, audit=audit)
        self.default_limit = self.steps.default_limit  # for the CLI's table
        self.by_id = registry.by_id  # step 2's one dict lookup, inline on the hot path
        self.policy = OriginPolicy(config.allowed_origins, trust_forwarded=config.trust_forwarded)
        self.outcome_store = config.outcome_store or MemoryStore()
        self.noscript = NoScriptReply(self.outcome_store, self.policy)
        self.idempotency = Idempotency(
            config.idempotency_store,
            window=config.idempotency_window,
            session_cookie=config.session_cookie,
        )
        self.observer = CallObserver()
        self.refresher = Refresher(self.steps, self.observer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: PLR0915
        # One function on purpose: the whole request path reads top to bottom.
        if scope.get("method") != "POST":
            status, body = error_envelope(MethodNotAllowed("Actions are called with POST").body())
            await send_json(send, status, body, _ALLOW)
            return
        headers: dict[bytes, bytes] = dict(scope["headers"])
        steps = self.steps
        watched = self.observer.watching()  # the access log or tracing is on
        started = self.observer.clock() if watched else 0
        ctx = RequestContext(scope, receive)
        token = current_var.set(ctx)
        # Replies go to the outbox and are sent after the context is reset: what the server
        # schedules while sending must not capture (and keep alive) the request's context.
        outbox, real_send = Outbox(), send
        send = outbox.send
        spec: ActionSpec | None = None
        reads: list[Prepared] | None = None  # named in Authstage-Refresh (refresh.py)
        form: Form | None = None
        error: ErrorBody | None = None
        opened = None  # the call's span, with tracing
        try:
            self.policy.check(headers, scope)  # 1 origin check
            raw_id = headers.get(b"authstage-action")
            media, params = _media_type(headers.get(b"content-type", b""))
            if raw_id is not None:  # 2 locate: header
                spec = self.by_id.get(raw_id) or steps.locate(raw_id, headers)
                limit = steps.limit(spec)
                if media == _MULTIPART:  # 3 read body: multipart is parsed as it streams
                    form = await read_multipart(
                        receive, headers.get(b"content-length"), limit, params,
                        spec.signature.file_rules,
                    )  # fmt: skip
                    size = form.size
                else:
                    body = await read_body(receive, headers.get(b"content-length"), limit)  # 3
                    size = len(body)
                refresh = headers.get(REFRESH_HEADER)  # reads to refresh after (refresh.py)
                if refresh is not None:  # they count towards the body limit
                    steps.check_size(spec, size + len(refresh))
                if steps.guarded or not spec.public:  # 4 guard (nothing to check: skipped)
                    await steps.guard(ctx, spec)
                if media == "application/json":  # 5 decode
                    arguments = steps.decode_json(spec, body, headers.get(b"authstage-bound"))
                elif media in _FORMS:
                    form = form or parse_form(body, media, params)
                    arguments = steps.decode_form(spec, form)
                else:
                    raise UnsupportedMediaType("Send application/json or a form body")
                if refresh is not None:  # 5 for the reads, before anything runs
                    reads = self.refresher.prepare(refresh, headers)
            elif batch.BATCH_HEADER in headers:  # several calls, each taking steps 2-7 (batch.py)
                await batch.respond(
                    steps, self.idempotency, self.refresher, ctx, headers, media, receive, send
                )
                watched = False  # each call of the batch has had its own line
                return
            elif media in _FORMS:  # 2 locate: form field (HTML forms without JavaScript)
                limit = steps.form_limit  # the action is named inside the body
                if media == _MULTIPART:  # 3, its files under their rules once _action is in
                    rules_of = steps.rules_of(headers)
                    length = headers.get(b"content-length")
                    try:
                        form = await read_multipart(receive, length, limit, params, None, rules_of)
                    except ActionError:  # a file refused mid-body: back to its form's page
                        spec, form = rules_of.spec, Form()
                        raise
                else:
                    body = await read_body(receive, headers.get(b"content-length"), limit)  # 3
                    form = parse_form(body, media, params)
                spec = steps.locate(_form_action(form), headers)
                steps.check_size(spec, form.size)  # 3 then the action's own limit
                await steps.guard(ctx, spec)  # 4
                arguments = steps.decode_form(spec, form)  # 5
            elif media == "application/json" or not media:
                raise NotFound("No action named: send the Authstage-Action header")
            else:
                raise UnsupportedMediaType("Send application/json or a form body")
            ctx.action = spec.name
            if watched:
                opened = self.observer.enter(spec.name, started)
            if raw_id is not None and IDEMPOTENCY_HEADER in headers:  # 6-7, once per key
                with DisconnectWatch(receive):
                    then = None if reads is None else partial(self.refresher.refresh, reads)
                    produce = partial(steps.reply, ctx, spec, arguments, then)
                    key = headers[IDEMPOTENCY_HEADER]
                    reply = await self.idempotency.once(ctx, spec, key, arguments, produce)
                await send_json(send, *reply)
                return
            once = form.first(ONCE_FIELD) if raw_id is None and form is not None else None
            form_once = form_key(once, arguments) if once else None
            if form_once is not None:  # 6-7 a no-JS form's post, once per rendering (formonce.py)
                await self._once_per_form(send, ctx, headers, spec, arguments, form, form_once)
                return
            # 6 run, cancelled if the client goes away (disconnect.py)
            data = await steps.run(ctx, spec, arguments, receive)
            if raw_id is None:  # 7 encode: no-JS form
                await self.noscript.success(send, ctx, headers, spec, data, form)
                return
            fresh = None
            if reads is not None:  # the reads the action revalidated, run again
                with DisconnectWatch(receive):
                    fresh = await self.refresher.refresh(reads, ctx)
            await send_json(send, 200, steps.success(ctx, data, fresh), ctx.cookie_headers())  # 7
        except ClientDisconnected:
            return
        except Exception as exc:  # ActionError: its code; anything else: see error_of
            error, error_headers = steps.error_of(exc, spec)
            await self.fail(send, ctx, headers, spec, form, error, error_headers)
        finally:
            if form is not None:
                form.close()  # the uploaded files' spools: deleted whatever happened
            current_var.reset(token)
            await outbox.flush(real_send)
            if watched:
                status, sent = outbox.sent()
                name = spec.name if spec else None
                self.observer.record(name, status, sent, error, started, opened)

    async def _once_per_form(
        self,
        send: Send,
        ctx: RequestContext,
        headers: dict[bytes, bytes],
        spec: ActionSpec,
        arguments: Arguments,
        form: Form | None,
        key: tuple[bytes, bytes],
    ) -> None:
        """Steps 6-7 of a no-JS post carrying its form's one-time key: a second post of the
        same rendered form gets the first one's reply (formonce.py). Not cancelled when the
        browser drops the connection: the reply must be recorded for the post that follows."""

        async def produce() -> Reply:
            data = await self.steps.run(ctx, spec, arguments)
            recorder = Recorder()
            await self.noscript.success(recorder, ctx, headers, spec, data, form)
            return recorder.reply()

        slot, digest = key
        reply = await self.idempotency.once(ctx, spec, slot, arguments, produce, digest)
        await send_reply(send, reply)

    async def fail(
        self,
        send: Send,
        ctx: RequestContext,
        headers: dict[bytes, bytes],
        spec: ActionSpec | None,
        form: Form | None,
        error: Any,
        error_headers: list[tuple[bytes, bytes]],
    ) -> None:
        """Send ``error``: the envelope, or 303 back to the form's page for no-JS posts."""
        if form is not None and spec is not None and b"authstage-action" not in headers:
            values = submitted_values(form)
            if await self.noscript.failure(send, ctx, headers, spec, error, values):
                return
        status, body = error_envelope(error)
        await send_json(send, status, body, [*error_headers, *ctx.cookie_headers()])
