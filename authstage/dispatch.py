"""``POST /_action``: one call, one straight path.

Read ``ActionEndpoint.__call__`` top to bottom; each numbered step is one line or one helper:

1. origin check   ``OriginPolicy.check`` (csrf.py) before anything else
2. locate         the ``Authstage-Action`` header (JS, clients) or the ``_action`` form field
3. read body      ``read_body`` (body.py) under the action's size limit
4. guard          deny anonymous callers unless ``public``; configured guards
5. decode         one precompiled msgspec decoder per action (params.py), forms via forms.py
6. run            inside the ``RequestContext`` (context.py), cancelled if the client goes
                  away (disconnect.py); at most once per ``Idempotency-Key`` (idempotency.py)
7. encode         the return annotation is the wire type (encoding.py); no-JS forms get 303

Every failure is an ``ActionError`` turned into the envelope with its status; anything else is
INTERNAL with a digest. Nothing runs before steps 1-5 have passed. The reply is sent only after
the request context is reset (``Outbox``), so nothing the server schedules while sending keeps
the request's objects alive. A request with the
``Authstage-Batch`` header carries several calls, each taking steps 2-7 (batch.py).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.stores.memory import MemoryStore

from authstage import batch
from authstage.binding import Binder
from authstage.body import ClientDisconnected, read_body, too_large
from authstage.conflict import conflict_from
from authstage.context import RequestContext, current_var
from authstage.csrf import OriginPolicy
from authstage.disconnect import DisconnectWatch, until_disconnect
from authstage.encoding import Reply, error_envelope, send_json, success_envelope
from authstage.errors import (
    ActionError,
    BadRequest,
    ErrorBody,
    MethodNotAllowed,
    NotFound,
    StaleClient,
    Unauthorized,
    UnsupportedMediaType,
    internal_error,
)
from authstage.forms import Form, form_arguments, parse_form, submitted_values
from authstage.idempotency import IDEMPOTENCY_HEADER, Idempotency
from authstage.navigation import RedirectSignal
from authstage.noscript import NoScriptReply
from authstage.validation import validation_error

if TYPE_CHECKING:
    from litestar.types import Message, Receive, Scope, Send

    from authstage.config import AuthstageConfig
    from authstage.registry import ActionSpec, Registry

__all__ = ["ActionEndpoint"]

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_ALLOW = [(b"allow", b"POST")]


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


def _loose(body: bytes) -> Any:
    """The body as untyped JSON (to report every field error), or None if it cannot be read."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


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


class ActionEndpoint:
    """The ASGI app behind ``POST /_action``, built once at startup."""

    def __init__(self, registry: Registry, config: AuthstageConfig) -> None:
        self.registry = registry
        self.config = config
        self.binder = Binder(registry)
        self.policy = OriginPolicy(
            config.allowed_origins or (), trust_forwarded_host=bool(config.trust_forwarded_host)
        )
        self.outcome_store = config.outcome_store or MemoryStore()
        self.noscript = NoScriptReply(self.outcome_store, self.policy)
        self.default_limit = config.max_body_size
        self.form_limit = max([config.max_body_size, *(s.max_body_size or 0 for s in registry)])
        self.debug = bool(config.debug)
        #: False when step 4 has nothing to check for a public action (no authenticator, no
        #: guards): the no-auth path then skips the call altogether.
        self.guarded = config.authenticate is not None or bool(config.guards)
        self.idempotency = Idempotency(
            config.idempotency_store,
            window=config.idempotency_window,
            session_cookie=config.session_cookie,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: PLR0915
        # One function on purpose: the whole request path reads top to bottom.
        if scope.get("method") != "POST":
            status, body = error_envelope(MethodNotAllowed("Actions are called with POST").body())
            await send_json(send, status, body, _ALLOW)
            return
        h: dict[bytes, bytes] = dict(scope["headers"])
        ctx = RequestContext(scope, receive)
        token = current_var.set(ctx)
        # Replies go to the outbox and are sent after the context is reset: what the server
        # schedules while sending must not capture (and keep alive) the request's context.
        outbox, real_send = Outbox(), send
        send = outbox.send
        spec: ActionSpec | None = None
        form: Form | None = None
        try:
            self.policy.check(h)  # 1 origin check
            raw_id = h.get(b"authstage-action")
            media, params = _media_type(h.get(b"content-type", b""))
            if raw_id is not None:  # 2 locate: header
                spec = self.registry.by_id.get(raw_id) or self.locate(raw_id, h)
                limit = spec.max_body_size or self.default_limit
                body = await read_body(receive, h.get(b"content-length"), limit)  # 3
                if self.guarded or not spec.public:
                    await self.guard(ctx, spec)  # 4
                if media == "application/json":  # 5 decode
                    args, kwargs = self.decode_json(spec, body, h.get(b"authstage-bound"))
                elif media in _FORMS:
                    form = parse_form(body, media, params)
                    args, kwargs = self.decode_form(spec, form)
                else:
                    raise UnsupportedMediaType("Send application/json or a form body")
            elif batch.BATCH_HEADER in h:  # several calls, each taking steps 2-7 (batch.py)
                await batch.respond(self, ctx, h, media, receive, send)
                return
            elif media in _FORMS:  # 2 locate: form field (HTML forms without JavaScript)
                body = await read_body(receive, h.get(b"content-length"), self.form_limit)  # 3
                form = parse_form(body, media, params)
                field = form.first("_action")
                if field is None:
                    raise BadRequest("The form has no _action field naming the action")
                spec = self.locate(field.encode(), h)
                if len(body) > self.limit(spec):
                    raise too_large(self.limit(spec))
                await self.guard(ctx, spec)  # 4
                args, kwargs = self.decode_form(spec, form)  # 5
            elif media == "application/json" or not media:
                raise NotFound("No action named: send the Authstage-Action header")
            else:
                raise UnsupportedMediaType("Send application/json or a form body")
            ctx.action = spec.name
            if raw_id is not None and IDEMPOTENCY_HEADER in h:  # 6-7, at most once per key
                with DisconnectWatch(receive):
                    produce = partial(self.reply, ctx, spec, args, kwargs)
                    key = h[IDEMPOTENCY_HEADER]
                    reply = await self.idempotency.once(ctx, spec, key, (args, kwargs), produce)
                await send_json(send, *reply)
                return
            try:  # 6 run, cancelled if the client goes away (disconnect.py)
                result = await until_disconnect(receive, spec.fn(*args, **kwargs))
                data = spec.signature.encode_result(result)
            except RedirectSignal as signal:
                ctx.redirect_to, data = signal.target, b"null"
            if self.config.on_revalidate and (ctx.revalidated_paths or ctx.revalidated_tags):
                await self.notify(ctx)
            if raw_id is None:  # 7 encode: no-JS form
                await self.noscript.success(send, ctx, h, spec, data, form)
                return
            out = success_envelope(
                data, ctx.redirect_to, ctx.revalidated_paths, ctx.revalidated_tags
            )
            await send_json(send, 200, out, ctx.cookie_headers())
        except ClientDisconnected:
            return
        except Exception as exc:  # ActionError: its code; anything else: see error_of
            error, headers = self.error_of(exc, spec)
            await self.fail(send, ctx, h, spec, form, error, headers)
        finally:
            current_var.reset(token)
            await outbox.flush(real_send)

    async def notify(self, ctx: RequestContext) -> None:
        """Tell the revalidation listeners what the action revalidated."""
        for listener in self.config.on_revalidate:
            await listener(ctx.revalidated_paths, ctx.revalidated_tags)

    async def reply(
        self, ctx: RequestContext, spec: ActionSpec, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Reply:
        """Steps 6-7 as ``__call__`` takes them, as a reply to keep or send: for batched and
        idempotent calls, whose caller watches for a disconnect. An ``ActionError`` raised by
        the action is part of the reply; anything else propagates."""
        try:
            data = spec.signature.encode_result(await spec.fn(*args, **kwargs))
        except RedirectSignal as signal:
            ctx.redirect_to, data = signal.target, b"null"
        except ActionError as exc:
            error, headers = self.error_of(exc, spec)
            status, body = error_envelope(error)
            return Reply(status, body, [*headers, *ctx.cookie_headers()])
        if self.config.on_revalidate and (ctx.revalidated_paths or ctx.revalidated_tags):
            await self.notify(ctx)
        out = success_envelope(data, ctx.redirect_to, ctx.revalidated_paths, ctx.revalidated_tags)
        return Reply(200, out, ctx.cookie_headers())

    def error_of(
        self, exc: Exception, spec: ActionSpec | None
    ) -> tuple[ErrorBody, list[tuple[bytes, bytes]]]:
        """The error body and headers for ``exc``: an ``ActionError`` answers with its code, a
        database unique violation with CONFLICT, anything else with INTERNAL and a digest."""
        if isinstance(exc, ActionError):
            return exc.body(), [(k.encode(), v.encode()) for k, v in exc.headers.items()]
        conflict = conflict_from(exc)
        if conflict is not None:
            return conflict.body(), []
        return internal_error(exc, action=spec.name if spec else "", debug=self.debug), []

    def locate(self, raw_id: bytes, h: dict[bytes, bytes]) -> ActionSpec:
        """The action named by ``raw_id``; ``StaleClient`` when the caller's manifest is old."""
        spec = self.registry.by_id.get(raw_id)
        if spec is not None:
            return spec
        manifest = h.get(b"authstage-manifest")
        if manifest is not None and manifest.decode("latin-1") != self.registry.manifest:
            raise StaleClient("This client is out of date: regenerate it or reload the page")
        raise NotFound("No such action")

    def limit(self, spec: ActionSpec) -> int:
        """The body limit of ``spec``."""
        return spec.max_body_size or self.default_limit

    async def guard(self, ctx: RequestContext, spec: ActionSpec) -> None:
        """Step 4: deny anonymous callers unless public, then the configured guards.

        Public actions skip the authenticator (no session query on the no-auth path); one that
        wants the user still gets it lazily through ``get_session()``. A principal already on
        the context (the test caller's) is kept.
        """
        authenticate = self.config.authenticate
        if authenticate is not None and ctx.principal is None and (not spec.public or spec.roles):
            ctx.principal = await authenticate(ctx)
        if not spec.public and ctx.principal is None:
            raise Unauthorized("Sign in to do this")
        for guard in self.config.guards:
            await guard(ctx, spec)

    def bound(self, spec: ActionSpec, token: bytes | str | None) -> list[Any]:
        """The converted bound leading arguments carried by ``token`` (none without one)."""
        if token is None:
            return []
        session = current_var.get().cookies.get(self.config.session_cookie)
        values = self.binder.open(spec.name, token, session)
        if len(values) > len(spec.signature.params):
            raise BadRequest("Bound arguments are invalid")
        try:
            return spec.signature.convert_bound(values)
        except msgspec.ValidationError:
            raise BadRequest("Bound arguments no longer match the action") from None

    def decode_json(
        self, spec: ActionSpec, body: bytes, bound_token: bytes | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Step 5 for JSON: the call's positional and keyword arguments."""
        sig = spec.signature
        bound = [] if bound_token is None else self.bound(spec, bound_token)
        if not body:
            raise BadRequest("The body is empty: send a JSON object of arguments, e.g. {}")
        try:
            if not bound:
                return sig.decode_call(body)
            args = sig.decode_json(body, len(bound))
        except msgspec.ValidationError as exc:
            raise validation_error(sig, _loose(body), exc, len(bound)) from None
        except msgspec.DecodeError as exc:
            raise BadRequest(f"Malformed JSON: {exc}") from None
        except RecursionError:
            raise BadRequest("The JSON is nested too deeply") from None
        return sig.call_args(bound, args)

    def decode_form(self, spec: ActionSpec, form: Form) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Step 5 for forms: field-by-field conversion, then the same validation."""
        sig = spec.signature
        bound = self.bound(spec, form.first("_bound"))
        raw = form_arguments(sig, form, len(bound))
        try:
            args = msgspec.convert(raw, sig.args_type_after(len(bound)), strict=False)
        except msgspec.ValidationError as exc:
            raise validation_error(sig, raw, exc, len(bound)) from None
        return sig.call_args(bound, args)

    async def fail(
        self,
        send: Send,
        ctx: RequestContext,
        h: dict[bytes, bytes],
        spec: ActionSpec | None,
        form: Form | None,
        error: Any,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        """Send ``error``: the envelope, or 303 back to the form's page for no-JS posts."""
        if form is not None and spec is not None and b"authstage-action" not in h:
            values = submitted_values(form)
            if await self.noscript.failure(send, ctx, h, spec, error, values):
                return
        status, body = error_envelope(error)
        await send_json(send, status, body, [*headers, *ctx.cookie_headers()])
