"""Single-flight refresh: a mutation's reply carries the fresh values of the reads it changed.

A page shows reads (``list_todos``) and posts writes (``create_todo``). The write's reply says
what it revalidated; with single-flight refresh (SvelteKit's ``updates()``) the client also
names the reads it displays, and the server re-runs those the write revalidated and returns
their values in the same reply, so the page updates without a second round trip::

    POST /_action
    Authstage-Action: <create_todo's ID>
    Authstage-Refresh: [{"action": "<list_todos's ID>", "args": {}},
                        {"action": "<profile's ID>", "args": {"user_id": 3}}]

    {"ok": true, "data": {...}, "revalidate": {"tags": ["todos"], ...},
     "refresh": [{"ok": true, "data": [...]}, null]}

Reads are actions, named by ID like any call; what each depends on is declared once
(``@cached(tags=...)`` or ``@depends_on``: dependencies.py) and matched against what the
mutation revalidated, so an unaffected read is not re-run (its entry is ``null``). The list
travels in a header (a batched call: its ``"refresh"`` field), so the JSON body stays the
argument object and a form posted without JavaScript is unaffected; it counts towards the
mutation's body limit (413) and holds at most ``max_refresh_reads`` reads (400).

The reads are checked before the mutation runs (steps 2, 3 and 5 each: an unknown ID,
arguments over the read's own limit or invalid, or a read that declares nothing is that read's
error entry, found without I/O), and
run after it succeeded, concurrently, each in its own request context sharing the mutation's
memo and principal (no second session query; a sign-out in the mutation is seen), through the
same guard (step 4) and run (step 6) as any call, each bounded by ``refresh_timeout``. A read
that fails, times out or may not be called by this caller is that read's error envelope; the
mutation's own result is returned whatever the reads do.

Cost: one header lookup for a call that sends no reads; for one that does, a small JSON decode
before the mutation and the reads' own work after it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from authstage.context import RequestContext, current_var
from authstage.dependencies import Dependencies, dependencies_of
from authstage.encoding import error_envelope
from authstage.errors import BadRequest, Unavailable

if TYPE_CHECKING:
    from authstage.errors import ErrorBody
    from authstage.observe import CallObserver
    from authstage.registry import ActionSpec
    from authstage.steps import ActionSteps, Arguments

__all__ = ["REFRESH_HEADER", "Prepared", "Read", "ReadCall", "Refresher"]

REFRESH_HEADER = b"authstage-refresh"


class ReadCall(msgspec.Struct, forbid_unknown_fields=True):
    """One read of a refresh list: the action ID and its argument object."""

    action: str
    args: msgspec.Raw = msgspec.Raw(b"{}")


_decode = msgspec.json.Decoder(list[ReadCall]).decode


@dataclass(frozen=True, slots=True)
class Read:
    """A read checked before the mutation: what to run and what it depends on."""

    spec: ActionSpec
    arguments: Arguments
    dependencies: Dependencies


#: A prepared read, or the error it answers with (an unknown ID, invalid arguments, ...).
Prepared = Read | Exception


class Refresher:
    """Prepares and runs the reads of a call under one app's steps, built once at startup."""

    def __init__(self, steps: ActionSteps, observer: CallObserver) -> None:
        self.steps = steps
        self.observer = observer
        self.max_reads = steps.config.max_refresh_reads
        self.timeout = steps.config.refresh_timeout

    def prepare(self, raw: bytes, headers: dict[bytes, bytes]) -> list[Prepared]:
        """The reads named in ``raw`` (the header's or the batch field's JSON), each located
        and decoded; an unusable read holds its error.

        Raises:
            BadRequest: the list is malformed or holds more than ``max_refresh_reads`` reads.
        """
        try:
            calls = _decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BadRequest(f"Malformed Authstage-Refresh list: {exc}") from None
        except RecursionError:
            raise BadRequest("The refresh list is nested too deeply") from None
        if not 0 < len(calls) <= self.max_reads:
            raise BadRequest(f"A call refreshes 1 to {self.max_reads} reads, not {len(calls)}")
        return [self._read(call, headers) for call in calls]

    def _read(self, call: ReadCall, headers: dict[bytes, bytes]) -> Prepared:
        steps = self.steps
        try:
            spec = steps.locate(call.action.encode("latin-1", "replace"), headers)  # 2
            args = bytes(call.args)
            steps.check_size(spec, len(args))  # 3: the read's own limit too
            dependencies = dependencies_of(spec.fn)
            if dependencies is None:
                raise BadRequest(
                    f"{spec.name} declares no tags or paths, so no mutation can refresh it: "
                    "declare them with @cached(tags=...) or @depends_on(...)"
                )
            arguments = steps.decode_json(spec, args, None)  # 5
        except Exception as exc:  # this read's own error entry
            return exc
        return Read(spec, arguments, dependencies)

    async def refresh(self, reads: list[Prepared], parent: RequestContext) -> bytes:
        """The JSON list of the reads' entries after the mutation of ``parent`` succeeded:
        ``null`` for a read it did not revalidate, else the read's envelope."""
        paths, tags = parent.revalidated_paths, parent.revalidated_tags
        entries: list[bytes | None] = [None] * len(reads)
        due: dict[int, Read] = {}
        for index, read in enumerate(reads):
            if isinstance(read, Exception):
                entries[index] = self._error(read, None)[2]
            elif paths or tags:
                try:
                    if read.dependencies.affected(*read.arguments, paths, tags):
                        due[index] = read
                except Exception as exc:  # a tags function that raised
                    entries[index] = self._error(exc, read.spec)[2]
        if due:
            ran = await asyncio.gather(*(self._run(parent, read) for read in due.values()))
            for index, entry in zip(due, ran, strict=True):
                entries[index] = entry
        return b"[" + b",".join(b"null" if e is None else e for e in entries) + b"]"

    def _error(self, exc: Exception, spec: ActionSpec | None) -> tuple[ErrorBody, int, bytes]:
        """The error of one read, with its envelope's status and body."""
        error, _headers = self.steps.error_of(exc, spec)
        return (error, *error_envelope(error))

    async def _run(self, parent: RequestContext, read: Read) -> bytes:
        """Steps 4, 6 and 7 of one read, in its own task and context; never raises an error."""
        spec, arguments, steps = read.spec, read.arguments, self.steps
        watched = self.observer.watching()
        started = self.observer.clock() if watched else 0
        ctx = RequestContext(parent.scope, parent.receive, spec.name)
        ctx.memo = parent.memo  # the mutation's session lookup serves the reads too
        ctx.principal = parent.principal  # as the mutation left it (signed in or out)
        ctx.response_cookies = parent.response_cookies  # cookies a read sets go out too
        current_var.set(ctx)  # this task's own copy of the context variables
        opened = self.observer.enter(spec.name, started) if watched else None
        timer = asyncio.timeout(self.timeout)
        status, error = 200, None
        try:
            async with timer:
                await steps.guard(ctx, spec)  # 4 guard
                entry = steps.success(ctx, await steps.run(ctx, spec, arguments))  # 6-7
        except Exception as exc:  # every failure is this read's own error envelope
            if isinstance(exc, TimeoutError) and timer.expired():
                exc = Unavailable(f"The read took longer than {self.timeout:g} s")
            error, status, entry = self._error(exc, spec)
        if watched:
            self.observer.record(spec.name, status, entry, error, started, opened)
        return entry
