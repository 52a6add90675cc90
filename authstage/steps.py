"""Steps 2-7 of one action call, each written once, for every path that takes them.

A call arrives three ways: alone with the ``Authstage-Action`` header, as an HTML form naming
its action in ``_action`` (no JavaScript), or as one entry of a batch (batch.py), each of which
may also carry an ``Idempotency-Key`` (idempotency.py). They differ in where the ID and the
body come from, not in what is done with them, so the dispatcher (dispatch.py) and the batch
reader (batch.py) call the same methods here, in the same order:

2 ``locate``         the spec of a raw ID; ``STALE_CLIENT`` for an old client, else 404
3 ``check_size``     the action's own body limit, for a body read under a wider one
4 ``guard``          deny anonymous callers unless public; roles and configured guards;
                     the action's rate limit (actionlimits.py)
5 ``decode_json`` / ``decode_form``   the call's arguments, or 400/422
6 ``run``            the action, its result encoded as the return type, revalidation told;
                     an audited action inside its audit transaction (audit/log.py)
7 ``success`` / ``reply`` / ``error_of``   the envelope, or the error body and headers

Nothing here knows about ASGI messages or the routes: this module sits below dispatch.py and
batch.py and imports neither. It costs nothing per call beyond the steps themselves: the
object is built once at startup and keeps the derived settings (limits, "is anything to
guard") as plain attributes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from authstage.body import too_large
from authstage.conflict import conflict_from
from authstage.context import current_var
from authstage.disconnect import watch_rest
from authstage.encoding import Reply, error_envelope, success_envelope
from authstage.errors import (
    ActionError,
    BadRequest,
    ConfigurationError,
    ErrorBody,
    NotFound,
    StaleClient,
    Unauthorized,
    internal_error,
)
from authstage.forms import Form, form_arguments
from authstage.navigation import RedirectSignal
from authstage.outage import RETRY_AFTER, database_unavailable
from authstage.registry import audit_rule
from authstage.validation import validation_error

if TYPE_CHECKING:
    from litestar.types import Receive

    from authstage.actionlimits import ActionLimits
    from authstage.audit.log import AuditLog
    from authstage.binding import Binder
    from authstage.config import ResolvedConfig
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec, Registry
    from authstage.uploads import FileRule

__all__ = ["ActionSteps", "After", "Arguments", "FormRules"]

#: A call's positional and keyword arguments, as step 5 produces them.
Arguments = tuple[tuple[Any, ...], dict[str, Any]]
Headers = list[tuple[bytes, bytes]]
#: Run after a successful action with its context: the refresh entries (refresh.py).
After = Callable[["RequestContext"], Awaitable[bytes]]


def _loose(body: bytes) -> Any:
    """The body as untyped JSON (to report every field error), or None if it cannot be read."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


class FormRules:
    """The file rules of the action a no-JS form names in its ``_action`` field, looked up
    while the body streams in. It keeps the action it found (``spec``): when a file is refused
    before the body is whole, the visitor is still sent back to the form's page with the error.
    """

    __slots__ = ("headers", "spec", "steps")

    def __init__(self, steps: ActionSteps, headers: dict[bytes, bytes]) -> None:
        self.steps = steps
        self.headers = headers
        self.spec: ActionSpec | None = None

    def __call__(self, raw_id: str) -> Mapping[str, FileRule]:
        self.spec = self.steps.locate(raw_id.encode(), self.headers)
        return self.spec.signature.file_rules


class ActionSteps:
    """The steps of a call under one registry and configuration, built once at startup."""

    def __init__(
        self,
        registry: Registry,
        config: ResolvedConfig,
        binder: Binder,
        *,
        limits: ActionLimits | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.registry = registry
        self.config = config
        self.binder = binder
        self.default_limit = config.max_body_size
        #: The largest limit of any action: what a body is read under before its action is
        #: known (a no-JS form names it inside the body; a batch holds several).
        self.form_limit = max([config.max_body_size, *(s.max_body_size or 0 for s in registry)])
        self.debug = bool(config.debug)
        #: Per-action rate limits (step 4) and audited actions (step 6), by action name.
        self.limits = limits if limits is not None and limits.by_action else None
        self.audit = audit
        self.audited = {spec.name: rule for spec in registry if (rule := audit_rule(spec))}
        if self.audited and audit is None:
            raise ConfigurationError(f"actions {sorted(self.audited)} are audited: no AuditLog")
        #: Public actions that still need the principal: to key their limit or audit entry.
        self.identified = {*self.audited, *(self.limits.by_action if self.limits else ())}
        #: False when step 4 has nothing to check for a public action (no authenticator, no
        #: guards, no limit or audit entry needing the user): the no-auth path then skips it.
        self.guarded = config.authenticate is not None or bool(config.guards or self.identified)

    # 2 locate

    def locate(self, raw_id: bytes, headers: dict[bytes, bytes]) -> ActionSpec:
        """The action named by ``raw_id``; ``StaleClient`` when the caller's manifest is old."""
        spec = self.registry.by_id.get(raw_id)
        if spec is not None:
            return spec
        manifest = headers.get(b"authstage-manifest")
        if manifest is not None and manifest.decode("latin-1") != self.registry.manifest:
            raise StaleClient("This client is out of date: regenerate it or reload the page")
        raise NotFound("No such action")

    # 3 read body (the streaming read itself is body.py)

    def limit(self, spec: ActionSpec) -> int:
        """The body limit of ``spec``."""
        return spec.max_body_size or self.default_limit

    def rules_of(self, headers: dict[bytes, bytes]) -> FormRules:
        """For a form that names its action inside the body: the file rules of the action a
        raw ID names (``locate``'s errors if none), asked while the body streams in."""
        return FormRules(self, headers)

    def check_size(self, spec: ActionSpec, size: int) -> None:
        """``PayloadTooLarge`` when a body read under a wider limit is over ``spec``'s."""
        if size > self.limit(spec):
            raise too_large(self.limit(spec))

    # 4 guard

    async def guard(self, ctx: RequestContext, spec: ActionSpec) -> None:
        """Deny anonymous callers unless public, then the configured guards.

        Public actions skip the authenticator (no session query on the no-auth path); one that
        wants the user still gets it lazily through ``get_session()``. A principal already on
        the context (the test caller's) is kept.
        """
        authenticate = self.config.authenticate
        if (
            authenticate is not None
            and ctx.principal is None
            and (not spec.public or spec.roles or spec.name in self.identified)
        ):
            ctx.principal = await authenticate(ctx)
        if not spec.public and ctx.principal is None:
            raise Unauthorized("Sign in to do this")
        for guard in self.config.guards:
            await guard(ctx, spec)
        if self.limits is not None:  # after auth (the user is known), before decoding
            await self.limits.check(ctx, spec.name)

    # 5 decode

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

    def decode_json(self, spec: ActionSpec, body: bytes, bound_token: bytes | None) -> Arguments:
        """The arguments of a JSON body (with the bound ones of ``bound_token`` first)."""
        sig = spec.signature
        bound = [] if bound_token is None else self.bound(spec, bound_token)
        if not body:
            raise BadRequest("The body is empty: send a JSON object of arguments, e.g. {}")
        try:
            if bound:
                arguments = sig.call_args(bound, sig.decode_json(body, len(bound)))
            else:
                arguments = sig.decode_call(body)
        except msgspec.ValidationError as exc:
            raise validation_error(sig, _loose(body), exc, len(bound)) from None
        except msgspec.DecodeError as exc:
            raise BadRequest(f"Malformed JSON: {exc}") from None
        except RecursionError:
            raise BadRequest("The JSON is nested too deeply") from None
        if sig.file_rules:
            sig.check_files(*arguments)
        return arguments

    def decode_form(self, spec: ActionSpec, form: Form) -> Arguments:
        """The arguments of a form: field-by-field conversion, then the same validation."""
        sig = spec.signature
        bound = self.bound(spec, form.first("_bound"))
        raw = form_arguments(sig, form, len(bound))
        try:
            args = msgspec.convert(raw, sig.args_type_after(len(bound)), strict=False)
        except msgspec.ValidationError as exc:
            raise validation_error(sig, raw, exc, len(bound)) from None
        arguments = sig.call_args(bound, args)
        if sig.file_rules:
            sig.check_files(*arguments)
        return arguments

    # 6 run

    async def run(
        self,
        ctx: RequestContext,
        spec: ActionSpec,
        arguments: Arguments,
        receive: Receive | None = None,
    ) -> bytes:
        """Run the action and return its result encoded as the return type; a ``redirect()``
        is recorded on the context. The revalidation listeners hear what it revalidated.

        With ``receive`` (a call alone in its request) the action is cancelled if the client
        goes away (disconnect.py). It is started here, as ``until_disconnect`` would, so that an
        action finishing without waiting (most do) costs no coroutine of the watch's.

        Raises:
            ClientDisconnected: the client went away and the action was cancelled.
        """
        args, kwargs = arguments
        audit = self.audited.get(spec.name) if self.audited else None
        if audit is None:
            running = spec.fn(*args, **kwargs)
        else:  # in one transaction with its audit entry (audit/log.py)
            assert self.audit is not None  # checked in __init__
            running = self.audit.run(ctx, spec, audit, arguments)
        try:
            if receive is None:  # the caller watches (a batch, an idempotent call)
                value = await running
            else:
                try:
                    first = running.send(None)
                except StopIteration as done:
                    value = done.value
                else:
                    value = await watch_rest(receive, running, first)
            data = spec.signature.encode_result(value)
        except RedirectSignal as signal:
            ctx.redirect_to, data = signal.target, b"null"
        if self.config.on_revalidate and (ctx.revalidated_paths or ctx.revalidated_tags):
            for listener in self.config.on_revalidate:
                await listener(ctx.revalidated_paths, ctx.revalidated_tags)
        return data

    # 7 encode

    @staticmethod
    def success(ctx: RequestContext, data: bytes, refresh: bytes | None = None) -> bytes:
        """The success envelope of ``data`` with the context's redirect and revalidation, and
        the entries of the reads refreshed after it (refresh.py)."""
        paths, tags = ctx.revalidated_paths, ctx.revalidated_tags
        return success_envelope(data, ctx.redirect_to, paths, tags, refresh)

    def error_of(self, exc: Exception, spec: ActionSpec | None) -> tuple[ErrorBody, Headers]:
        """The error body and headers for ``exc``: an ``ActionError`` answers with its code, a
        database unique violation with CONFLICT, a database that is down with UNAVAILABLE and
        ``Retry-After``, anything else with INTERNAL and a digest."""
        if isinstance(exc, ActionError):
            return exc.body(), [(k.encode(), v.encode()) for k, v in exc.headers.items()]
        conflict = conflict_from(exc)
        if conflict is not None:
            return conflict.body(), []
        unavailable = database_unavailable(exc)
        if unavailable is not None:  # counted and logged once per outage (outage.py)
            return unavailable.body(), [(b"retry-after", str(RETRY_AFTER).encode())]
        return internal_error(exc, action=spec.name if spec else "", debug=self.debug), []

    def error_reply(self, ctx: RequestContext, exc: Exception, spec: ActionSpec | None) -> Reply:
        """The reply for ``exc`` with its headers and the cookies the call set."""
        error, headers = self.error_of(exc, spec)
        status, body = error_envelope(error)
        return Reply(status, body, [*headers, *ctx.cookie_headers()])

    async def reply(
        self, ctx: RequestContext, spec: ActionSpec, arguments: Arguments, then: After | None = None
    ) -> Reply:
        """Steps 6-7 as a reply to keep or send, for batched and idempotent calls (whose caller
        watches for a disconnect). An ``ActionError`` raised by the action is part of the
        reply; anything else propagates. ``then``, after a success, gives the entries of the
        reads to refresh (refresh.py), which go into the reply (and its replays)."""
        try:
            data = await self.run(ctx, spec, arguments)
        except ActionError as exc:
            return self.error_reply(ctx, exc, spec)
        refresh = None if then is None else await then(ctx)
        return Reply(200, self.success(ctx, data, refresh), ctx.cookie_headers())
