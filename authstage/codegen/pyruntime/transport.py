"""The clients' runtime over httpx: IDs from the manifest, sending calls, retries and hooks.

``AsyncRuntime`` (here) and ``SyncRuntime`` (blocking.py) are the bases of the generated
``AsyncClient`` and ``Client``; the generated classes add one typed method per action. A runtime:

- keeps one ``httpx`` client, so cookies (the session) persist across calls, and can be pointed
  at any base URL (or given any httpx transport, e.g. ``httpx.ASGITransport(app)``);
- resolves action names to IDs with the server's manifest (fetched once, shared by concurrent
  calls) and sends the manifest hash with every call; on ``STALE_CLIENT`` it refetches the
  manifest once and retries if the action's ID changed (nothing ran), else raises;
- retries a call that carries an idempotency key when the connection fails (``retries`` times,
  with backoff): the server runs it once and replays the first reply;
- calls ``on_redirect(target, action)`` and ``on_revalidate(revalidation, action)`` after a
  call that asked for them, and ``on_stale(contract)`` when the server runs another version of
  the actions than the client was generated from;
- sends a call's ``refresh`` queries (single-flight refresh) and calls ``on_refresh(fresh)``
  with each one the server re-ran: its new value or its own error, e.g. to update a cache.

Calls run concurrently (there is no queue); ``AsyncRuntime(batch=True)`` also sends the calls
started in the same event-loop turn as one batch request (batching.py). Cancelling the task
awaiting a call closes its connection, and the server cancels the action.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import httpx
import msgspec

from .batching import Batcher
from .errors import StaleClientError, TransportError
from .protocol import ActionInfo, Manifest, Reply, Revalidation, call_body, read_reply
from .refresh import Fresh, Query, read_fresh, refresh_header

__all__ = ["AsyncRuntime", "Common", "RedirectHook", "RefreshHook", "RevalidateHook", "StaleHook"]

R = TypeVar("R")

#: ``(target path, action name)``
RedirectHook = Callable[[str, str], None]
#: ``(revalidation, action name)``
RevalidateHook = Callable[[Revalidation, str], None]
#: ``(the server's contract)``
StaleHook = Callable[[str], None]
#: ``(a refreshed query's value or error)``
RefreshHook = Callable[[Fresh[Any]], None]

_manifest_decoder = msgspec.json.Decoder(Manifest)


class Common:
    """What both runtimes share: settings, the manifest, headers and hooks."""

    #: The contract this client was generated from (set by the generated class).
    contract: ClassVar[str] = ""

    def __init__(
        self,
        *,
        action_path: str,
        retries: int,
        on_redirect: RedirectHook | None,
        on_revalidate: RevalidateHook | None,
        on_stale: StaleHook | None,
        on_refresh: RefreshHook | None,
    ) -> None:
        self.action_path = "/" + action_path.strip("/")
        self.retries = retries
        self.on_redirect = on_redirect
        self.on_revalidate = on_revalidate
        self.on_stale = on_stale
        self.on_refresh = on_refresh
        self._manifest: Manifest | None = None

    def _read_manifest(self, response: httpx.Response) -> Manifest:
        if response.status_code != 200:
            message = f"the manifest answered {response.status_code}: is this an authstage server?"
            raise TransportError(message, status=response.status_code)
        try:
            manifest = _manifest_decoder.decode(response.content)
        except msgspec.DecodeError:
            raise TransportError("the manifest is not a manifest", status=200) from None
        if manifest.version != 1:
            raise TransportError(f"manifest version {manifest.version} is not supported")
        self._manifest = manifest
        if manifest.contract != self.contract and self.on_stale is not None:
            self.on_stale(manifest.contract)
        return manifest

    @staticmethod
    def _action_id(manifest: Manifest, name: str) -> str:
        action_id = manifest.actions.get(name)
        if action_id is None:
            message = "the server has no such action: regenerate the client"
            raise StaleClientError(message, action=name, status=404)
        return action_id

    def _headers(
        self, manifest: Manifest, action_id: str, key: str | None, refresh: Sequence[Query[Any]]
    ) -> dict[str, str]:
        headers = {"authstage-action": action_id, "authstage-manifest": manifest.manifest}
        if key is not None:
            headers["idempotency-key"] = key
        if refresh:
            id_of = partial(self._action_id, manifest)
            headers["authstage-refresh"] = refresh_header(refresh, id_of)
        return headers

    def _finish(self, info: ActionInfo[R], reply: Reply[R], refresh: Sequence[Query[Any]]) -> R:
        if reply.redirect is not None and self.on_redirect is not None:
            self.on_redirect(reply.redirect, info.name)
        if refresh:
            for fresh in read_fresh(info.name, refresh, reply.refresh):
                if fresh.refreshed and self.on_refresh is not None:
                    self.on_refresh(fresh)
        if reply.revalidate is not None and self.on_revalidate is not None:
            self.on_revalidate(reply.revalidate, info.name)
        return reply.data

    def _failed(self, exc: httpx.RequestError, action: str) -> TransportError:
        kind = type(exc).__name__
        return TransportError(f"no reply ({kind}: {str(exc) or 'connection lost'})", action=action)


class AsyncRuntime(Common):
    """Base of the generated ``AsyncClient``; use it as ``async with``."""

    def __init__(
        self,
        base_url: str,
        *,
        action_path: str = "/_action",
        headers: Mapping[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        timeout: float = 30.0,
        batch: bool = False,
        retries: int = 2,
        on_redirect: RedirectHook | None = None,
        on_revalidate: RevalidateHook | None = None,
        on_stale: StaleHook | None = None,
        on_refresh: RefreshHook | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            action_path=action_path,
            retries=retries,
            on_redirect=on_redirect,
            on_revalidate=on_revalidate,
            on_stale=on_stale,
            on_refresh=on_refresh,
        )
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            transport=transport,
        )
        self._lock = asyncio.Lock()
        self._batcher = Batcher(self) if batch else None

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookies (the session cookie among them)."""
        return self.http.cookies

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def manifest(self, *, stale: Manifest | None = None) -> Manifest:
        """The server's manifest: fetched once, or again when the one held is ``stale``."""
        if self._manifest is not None and self._manifest is not stale:
            return self._manifest
        async with self._lock:
            if self._manifest is not None and self._manifest is not stale:
                return self._manifest
            try:
                response = await self.http.get(self.action_path + "/manifest")
            except httpx.RequestError as exc:
                raise self._failed(exc, "manifest") from exc
            return self._read_manifest(response)

    async def _call(
        self,
        info: ActionInfo[R],
        args: dict[str, Any],
        idempotency_key: str | None = None,
        refresh: Sequence[Query[Any]] = (),
    ) -> R:
        if self._batcher is not None and not info.has_files(args):
            reply: Reply[R] = await self._batcher.submit(info, args, idempotency_key, refresh)
        else:
            reply = await self._send(info, args, idempotency_key, refresh)
        return self._finish(info, reply, refresh)

    async def _send(
        self,
        info: ActionInfo[R],
        args: dict[str, Any],
        key: str | None,
        refresh: Sequence[Query[Any]] = (),
    ) -> Reply[R]:
        """One call in its own request, with the stale-manifest retry."""
        request = call_body(info, args)
        manifest = await self.manifest()
        retried = False
        while True:
            action_id = self._action_id(manifest, info.name)
            own = self._headers(manifest, action_id, key, refresh)
            headers = {**request.get("headers", {}), **own}
            body = {k: v for k, v in request.items() if k != "headers"}
            response = await self._post(info.name, headers, body, retry=key is not None)
            ctype = response.headers.get("content-type", "")
            try:
                return read_reply(info, response.status_code, ctype, response.content)
            except StaleClientError:
                fresh = await self.manifest(stale=manifest)
                if retried or fresh.actions.get(info.name) in (None, action_id):
                    raise
                manifest, retried = fresh, True

    async def _post(
        self, action: str, headers: dict[str, str], body: dict[str, Any], *, retry: bool
    ) -> httpx.Response:
        """POST to the endpoint; on a failed connection, retry if the call is idempotent."""
        attempt = 0
        while True:
            try:
                return await self.http.post(self.action_path, headers=headers, **body)
            except httpx.TransportError as exc:
                if not retry or attempt >= self.retries:
                    raise self._failed(exc, action) from exc
            except httpx.RequestError as exc:
                raise self._failed(exc, action) from exc
            attempt += 1
            await asyncio.sleep(0.05 * 2**attempt)


_A = TypeVar("_A", bound=AsyncRuntime)
