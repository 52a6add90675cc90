"""The blocking runtime: ``SyncRuntime``, base of the generated ``Client``.

The same protocol as ``AsyncRuntime`` (transport.py), over ``httpx.Client``: for scripts,
notebooks and tests that do not run an event loop. It is thread-safe (one manifest fetch for all
threads). Calls are not batched, since a blocking call has nothing to travel with; batching is
an ``AsyncClient`` feature.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx

from .errors import StaleClientError
from .protocol import ActionInfo, Manifest, call_body, read_reply
from .refresh import Query
from .transport import Common, RedirectHook, RefreshHook, RevalidateHook, StaleHook

__all__ = ["SyncRuntime"]

R = TypeVar("R")
_S = TypeVar("_S", bound="SyncRuntime")


class SyncRuntime(Common):
    """Base of the generated blocking ``Client``; use it as ``with``. Thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        action_path: str = "/_action",
        headers: Mapping[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        on_redirect: RedirectHook | None = None,
        on_revalidate: RevalidateHook | None = None,
        on_stale: StaleHook | None = None,
        on_refresh: RefreshHook | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            action_path=action_path,
            retries=retries,
            on_redirect=on_redirect,
            on_revalidate=on_revalidate,
            on_stale=on_stale,
            on_refresh=on_refresh,
        )
        self.http = httpx.Client(
            base_url=base_url,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            transport=transport,
        )
        self._lock = threading.Lock()

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookies (the session cookie among them)."""
        return self.http.cookies

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def manifest(self, *, stale: Manifest | None = None) -> Manifest:
        """The server's manifest: fetched once, or again when the one held is ``stale``."""
        with self._lock:
            if self._manifest is not None and self._manifest is not stale:
                return self._manifest
            try:
                response = self.http.get(self.action_path + "/manifest")
            except httpx.RequestError as exc:
                raise self._failed(exc, "manifest") from exc
            return self._read_manifest(response)

    def _call(
        self,
        info: ActionInfo[R],
        args: dict[str, Any],
        idempotency_key: str | None = None,
        refresh: Sequence[Query[Any]] = (),
    ) -> R:
        request = call_body(info, args)
        manifest = self.manifest()
        retried = False
        while True:
            action_id = self._action_id(manifest, info.name)
            own = self._headers(manifest, action_id, idempotency_key, refresh)
            headers = {**request.get("headers", {}), **own}
            body = {k: v for k, v in request.items() if k != "headers"}
            response = self._post(info.name, headers, body, retry=idempotency_key is not None)
            ctype = response.headers.get("content-type", "")
            try:
                reply = read_reply(info, response.status_code, ctype, response.content)
            except StaleClientError:
                fresh = self.manifest(stale=manifest)
                if retried or fresh.actions.get(info.name) in (None, action_id):
                    raise
                manifest, retried = fresh, True
                continue
            # The hooks run once the reply is read, as in the async client: one that raises
            # never sends the call again.
            return self._finish(info, reply, refresh)

    def _post(
        self, action: str, headers: dict[str, str], body: dict[str, Any], *, retry: bool
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                return self.http.post(self.action_path, headers=headers, **body)
            except httpx.TransportError as exc:
                if not retry or attempt >= self.retries:
                    raise self._failed(exc, action) from exc
            except httpx.RequestError as exc:
                raise self._failed(exc, action) from exc
            attempt += 1
            time.sleep(0.05 * 2**attempt)
