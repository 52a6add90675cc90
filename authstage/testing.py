"""Testing helpers: call an action directly (no HTTP), or over HTTP with a Litestar test client.

``ActionCaller`` runs an action the way the endpoint would, minus the transport: inside a fresh
request context, behind the same auth check and guards, with the arguments converted through
the action's own types and the result converted to its return type (so a test sees exactly
what a client would, undeclared fields dropped)::

    call = ActionCaller(app)                       # anonymous
    assert await call(add, 1, 2) == 3
    as_alice = ActionCaller(app, principal=alice)  # "with a session"
    result = await as_alice.run(create_post, NewPost(title="t", content="c"))
    assert result.revalidated_paths == ["/posts"]

``ActionClient`` speaks the wire protocol through a ``TestClient``/``AsyncTestClient``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from authstage.appstate import endpoint_of
from authstage.context import RequestContext, current_var
from authstage.errors import Unauthorized
from authstage.navigation import RedirectSignal
from authstage.registry import spec_of
from authstage.validation import validation_error

if TYPE_CHECKING:
    import httpx
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from authstage.appstate import Mounted

__all__ = ["ActionCaller", "ActionClient", "CallResult"]


@dataclass
class CallResult:
    """What one direct call produced besides raising."""

    value: Any
    redirect: str | None = None
    revalidated_paths: list[str] = field(default_factory=list)
    revalidated_tags: list[str] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)


def _scope(cookies: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, Any]:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if cookies:
        raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    return {
        "type": "http",
        "method": "POST",
        "path": "/_action",
        "raw_path": b"/_action",
        "query_string": b"",
        "headers": raw,
        "client": ("127.0.0.1", 0),
        "server": ("testserver", 80),
        "scheme": "http",
        "root_path": "",
        "state": {},
    }


class ActionCaller:
    """Calls actions in-process, with or without a signed-in principal."""

    def __init__(
        self,
        app: Litestar | None = None,
        *,
        principal: Any = None,
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Args:
        app: the app whose guards and authenticator apply (none: only deny-by-default).
        principal: the signed-in principal; takes precedence over the authenticator.
        cookies: request cookies (e.g. a session cookie for the authenticator to read).
        headers: request headers.
        """
        self.app = app
        self.endpoint: Mounted | None = endpoint_of(app) if app else None
        self.principal = principal
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    async def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` and return its value as a client would decode it."""
        return (await self.run(fn, *args, **kwargs)).value

    async def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> CallResult:
        """Run ``fn`` and return its value with redirect, revalidation and cookies."""
        spec = spec_of(fn)
        sig = spec.signature
        scope = _scope(self.cookies, self.headers)
        if self.app is not None:
            scope["app"] = self.app
        ctx = RequestContext(scope, _no_body)  # type: ignore[arg-type]
        token = current_var.set(ctx)
        try:
            ctx.action = spec.name
            ctx.principal = self.principal
            if self.endpoint is not None:  # the endpoint's own step 4
                await self.endpoint.steps.guard(ctx, spec)
            elif not spec.public and ctx.principal is None:
                raise Unauthorized("Sign in to do this")
            names = [p.name for p in sig.params]
            raw = {**dict(zip(names, args, strict=False)), **kwargs}
            builtins = msgspec.to_builtins(raw)
            try:
                decoded = msgspec.convert(builtins, sig.args_type)
            except msgspec.ValidationError as exc:
                raise validation_error(sig, builtins, exc) from None
            call_args, call_kwargs = sig.call_args([], decoded)
            result = CallResult(value=None)
            try:
                value = await spec.fn(*call_args, **call_kwargs)
                wire = sig.encode_result(value)
                result.value = msgspec.json.decode(wire, type=sig.return_type)
            except RedirectSignal as signal:
                result.redirect = signal.target
            result.revalidated_paths = list(ctx.revalidated_paths)
            result.revalidated_tags = list(ctx.revalidated_tags)
            result.cookies = {c.key: c.value or "" for c in ctx.response_cookies}
            return result
        finally:
            current_var.reset(token)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class ActionClient:
    """Calls actions over HTTP through a Litestar ``AsyncTestClient``."""

    def __init__(self, client: AsyncTestClient[Litestar]) -> None:
        self.client = client
        self.endpoint: Mounted = endpoint_of(client.app)

    def id_of(self, fn: Callable[..., Any]) -> str:
        """The current action ID of ``fn`` in this app."""
        return self.endpoint.registry.id_of(fn)

    async def call(
        self, fn: Callable[..., Any], /, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST the keyword arguments as JSON to the action; returns the raw response."""
        return await self.client.post(
            self.endpoint.config.path,
            content=msgspec.json.encode(kwargs),
            headers={
                "authstage-action": self.id_of(fn),
                "content-type": "application/json",
                **(headers or {}),
            },
        )

    async def form(
        self,
        fn: Callable[..., Any],
        data: Mapping[str, Any],
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        referer: str | None = "http://testserver.local/",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST an HTML form naming the action in its ``_action`` field (no JavaScript)."""
        extra = dict(headers or {})
        if referer is not None:
            extra["referer"] = referer
        return await self.client.post(
            self.endpoint.config.path,
            data={"_action": self.id_of(fn), **data},
            files=files,
            headers=extra,
            follow_redirects=False,
        )
