"""Automatic batching for ``AsyncClient(batch=True)``: calls started together travel together.

Every call made while the event loop runs one turn (``asyncio.gather(a(), b(), c())``, tasks
started side by side) is queued; at the next turn the queue is sent as one batch request
(``Authstage-Batch: 1``), and each call receives its own result or error. A lone call is sent
as an ordinary call. Calls with files are never batched.

Cancelling the task awaiting one call abandons that call; when every call of a batch is
abandoned, the batch request itself is cancelled, which closes its connection, and the server
cancels the actions still running. When the batch request fails on the way (a dropped
connection), calls that carry an idempotency key are retried one by one; the others fail with
the ``TransportError``. A call's refresh queries travel in its ``refresh`` field.

The batcher knows the runtime only through ``Sender``, the four methods it calls, so this
module does not import transport.py (which creates the batcher): the imports point one way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import httpx

from .errors import ActionError, StaleClientError, TransportError
from .protocol import ActionInfo, Manifest, Reply, batch_body, read_batch
from .refresh import Query, refresh_list

__all__ = ["Batcher", "Sender"]


class Sender(Protocol):
    """What a batch needs of the runtime that sends it (``transport.AsyncRuntime``)."""

    async def manifest(self, *, stale: Manifest | None = None) -> Manifest: ...

    async def _send(
        self,
        info: ActionInfo[Any],
        args: dict[str, Any],
        key: str | None,
        refresh: Sequence[Query[Any]] = (),
    ) -> Reply[Any]: ...

    async def _post(
        self, action: str, headers: dict[str, str], body: dict[str, Any], *, retry: bool
    ) -> httpx.Response: ...

    def _action_id(self, manifest: Manifest, name: str) -> str: ...


@dataclass
class _Pending:
    info: ActionInfo[Any]
    args: dict[str, Any]
    key: str | None
    refresh: Sequence[Query[Any]]
    future: asyncio.Future[Reply[Any]]


class Batcher:
    """Queues the calls of one event-loop turn and sends them as one request."""

    def __init__(self, runtime: Sender) -> None:
        self.runtime = runtime
        self._queue: list[_Pending] = []

    def submit(
        self,
        info: ActionInfo[Any],
        args: dict[str, Any],
        key: str | None,
        refresh: Sequence[Query[Any]] = (),
    ) -> asyncio.Future[Reply[Any]]:
        """Queue one call; the future resolves to its reply."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply[Any]] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append(_Pending(info, args, key, refresh, future))
        return future

    def _flush(self) -> None:
        calls, self._queue = self._queue, []
        calls = [call for call in calls if not call.future.done()]
        if not calls:
            return
        task = asyncio.get_running_loop().create_task(self._run(calls))

        def abandoned(_: object) -> None:
            if all(call.future.cancelled() for call in calls):
                task.cancel()

        for call in calls:
            call.future.add_done_callback(abandoned)

    async def _run(self, calls: list[_Pending]) -> None:
        try:
            if len(calls) == 1:
                call = calls[0]
                outcomes: list[Any] = [await self._one(call)]
            else:
                outcomes = await self._batch(calls)
        except Exception as exc:  # a bug must not leave a caller waiting forever
            for call in calls:
                if not call.future.done():
                    call.future.set_exception(exc)
            return
        except BaseException:
            for call in calls:
                call.future.cancel()
            raise
        for call, outcome in zip(calls, outcomes, strict=True):
            if call.future.done():
                continue
            if isinstance(outcome, BaseException):
                call.future.set_exception(outcome)
            else:
                call.future.set_result(outcome)

    async def _one(self, call: _Pending) -> Reply[Any] | Exception:
        try:
            return await self.runtime._send(call.info, call.args, call.key, call.refresh)
        except (ActionError, TransportError) as exc:
            return exc

    async def _batch(self, calls: list[_Pending]) -> list[Any]:
        runtime = self.runtime
        manifest = await runtime.manifest()
        outcomes: list[Any] = [None] * len(calls)
        sent: list[int] = []
        items: list[tuple[str, dict[str, Any], str | None, list[Any] | None]] = []
        id_of = partial(runtime._action_id, manifest)
        for index, call in enumerate(calls):
            try:
                refresh = refresh_list(call.refresh, id_of) if call.refresh else None
                items.append((id_of(call.info.name), call.args, call.key, refresh))
                sent.append(index)
            except StaleClientError as exc:
                outcomes[index] = exc
        if not items:
            return outcomes
        headers = {
            "content-type": "application/json",
            "authstage-batch": "1",
            "authstage-manifest": manifest.manifest,
        }
        infos = [calls[i].info for i in sent]
        try:
            response = await runtime._post(
                f"batch of {len(items)}", headers, {"content": batch_body(items)}, retry=False
            )
            ctype = response.headers.get("content-type", "")
            results: list[Any] = read_batch(infos, response.status_code, ctype, response.content)
        except TransportError as exc:  # keyed calls may safely run again, one by one
            results = [await self._one(calls[i]) if calls[i].key is not None else exc for i in sent]
        except ActionError as exc:  # the batch itself was refused
            results = [exc] * len(sent)
        for index, result in zip(sent, results, strict=True):
            stale = isinstance(result, StaleClientError)  # refetch the manifest, retry alone
            outcomes[index] = await self._one(calls[index]) if stale else result
        return outcomes
