"""The wire protocol without I/O: the request of a call, and reading its reply.

Both clients (``AsyncClient`` and ``Client``) build requests and read replies here, so the
rules live in one place: arguments left ``UNSET`` are not sent (the server's default applies),
calls with files become multipart with the other arguments in ``_args``, a reply is decoded
straight into the action's result type, and anything that is not a well-formed envelope with
a known error code becomes a ``TransportError`` that says what came back.
A reply's ``refresh`` entries (single-flight refresh) are kept undecoded on the ``Reply``;
refresh.py reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from .errors import ERROR_STATUS, ActionError, TransportError, error_for
from .uploads import file_part

__all__ = [
    "ActionInfo",
    "Manifest",
    "Reply",
    "Revalidation",
    "batch_body",
    "call_body",
    "present",
    "read_batch",
    "read_entry",
    "read_reply",
]

R = TypeVar("R")


class Revalidation(msgspec.Struct, frozen=True):
    """Paths and tags an action changed: refresh whatever shows them."""

    paths: list[str] = []
    tags: list[str] = []


class _ErrorBody(msgspec.Struct, rename="camel"):
    code: str
    message: str = ""
    field_errors: dict[str, list[str]] = {}
    form_errors: list[str] = []
    digest: str | None = None
    retry_after: int | None = None


class _Envelope(msgspec.Struct, Generic[R]):
    ok: bool
    data: R | None = None
    redirect: str | None = None
    revalidate: Revalidation | None = None
    error: _ErrorBody | None = None
    refresh: list[msgspec.Raw] | None = None


_any_envelope = msgspec.json.Decoder(_Envelope[Any]).decode


class _Batch(msgspec.Struct):
    ok: bool
    results: list[msgspec.Raw] = []
    error: _ErrorBody | None = None


class Manifest(msgspec.Struct):
    """The server's table of action IDs (``GET /_action/manifest``)."""

    version: int
    manifest: str
    contract: str
    actions: dict[str, str]


@dataclass(frozen=True)
class Reply(Generic[R]):
    """A successful call: its value and what the action asked the client to do."""

    data: R
    redirect: str | None = None
    revalidate: Revalidation | None = None
    #: The entries of the reads the call asked to refresh, undecoded (``read_fresh``).
    refresh: list[msgspec.Raw] | None = None


class ActionInfo(Generic[R]):
    """What a client knows about one action: its stable name, result type and file params."""

    __slots__ = ("_decoder", "files", "name", "result")

    def __init__(self, name: str, result: Any, files: tuple[str, ...] = ()) -> None:
        self.name = name
        self.result = result
        self.files = files
        self._decoder: msgspec.json.Decoder[_Envelope[Any]] | None = None

    def decode(self, body: bytes) -> _Envelope[R]:
        """The reply envelope, its data typed as the result (raises msgspec errors)."""
        if self._decoder is None:
            try:
                self._decoder = msgspec.json.Decoder(_Envelope[self.result])  # type: ignore[name-defined]
            except TypeError:  # a result msgspec cannot decode into: keep the data untyped
                self._decoder = msgspec.json.Decoder(_Envelope[Any])
        return self._decoder.decode(body)

    def has_files(self, args: dict[str, Any]) -> bool:
        """True when this call carries at least one file."""
        return any(args.get(name) not in (None, msgspec.UNSET) for name in self.files)


def present(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments that are sent: those not left ``UNSET``."""
    return {key: value for key, value in args.items() if value is not msgspec.UNSET}


def call_body(info: ActionInfo[Any], args: dict[str, Any]) -> dict[str, Any]:
    """The ``httpx`` request arguments carrying ``args``: JSON, or multipart with files."""
    values = present(args)
    if not info.has_files(values):
        content = msgspec.json.encode(values)
        return {"content": content, "headers": {"content-type": "application/json"}}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name in info.files:
        value = values.pop(name, None)
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is not None:
                files.append((name, file_part(item, name)))
    return {"data": {"_args": msgspec.json.encode(values).decode()}, "files": files}


def batch_body(calls: list[tuple[str, dict[str, Any], str | None, list[Any] | None]]) -> bytes:
    """The body of a batch of ``(action ID, args, idempotency key, refresh list)`` calls."""
    items = []
    for action_id, args, key, refresh in calls:
        item: dict[str, Any] = {"action": action_id, "args": present(args)}
        if key is not None:
            item["idempotencyKey"] = key
        if refresh:
            item["refresh"] = refresh
        items.append(item)
    return msgspec.json.encode({"calls": items})


def _not_protocol(status: int, content_type: str, body: bytes) -> str:
    kind = content_type.split(";", 1)[0].strip() or "no content type"
    preview = body[:80].decode("utf-8", "replace").replace("\n", " ")
    return f"the server answered {status} with {kind}, not an action reply: {preview!r}"


def _raise(error: _ErrorBody | None, status: int, action: str) -> Any:
    if error is None:
        raise TransportError(f"a {status} reply without an error", action=action, status=status)
    cls = error_for(error.code)
    if cls is None:
        message = f"unknown error code {error.code!r} ({status}): {error.message}"
        raise TransportError(message, action=action, status=status, code=error.code)
    raise cls(
        error.message,
        action=action,
        status=status,
        field_errors=error.field_errors,
        form_errors=error.form_errors,
        digest=error.digest,
        retry_after=error.retry_after,
    )


def read_reply(info: ActionInfo[R], status: int, content_type: str, body: bytes) -> Reply[R]:
    """The value of a reply, or the error it carries.

    Raises:
        ActionError: the server answered with a known error code.
        TransportError: the reply is not an action reply, or its error code is unknown.
    """
    if not content_type.startswith("application/json"):
        raise TransportError(
            _not_protocol(status, content_type, body), action=info.name, status=status
        )
    try:
        envelope = info.decode(body)
    except msgspec.DecodeError as exc:
        try:
            msgspec.json.decode(body)
        except msgspec.DecodeError:
            detail = _not_protocol(status, content_type, body)
        else:
            detail = f"the reply does not match this client's types (regenerate it?): {exc}"
        raise TransportError(detail, action=info.name, status=status) from None
    if not envelope.ok:
        return _raise(envelope.error, status, info.name)  # type: ignore[no-any-return]
    data, refresh = envelope.data, envelope.refresh
    return Reply(data, envelope.redirect, envelope.revalidate, refresh)  # type: ignore[arg-type]


def read_batch(
    infos: list[ActionInfo[Any]], status: int, content_type: str, body: bytes
) -> list[Reply[Any] | ActionError | TransportError]:
    """Each call's reply (or error) of a batch reply.

    Raises:
        ActionError: the batch itself was refused.
        TransportError: the reply is not a batch reply.
    """
    action = f"batch of {len(infos)}"
    if not content_type.startswith("application/json"):
        raise TransportError(
            _not_protocol(status, content_type, body), action=action, status=status
        )
    try:
        batch = msgspec.json.decode(body, type=_Batch)
    except msgspec.DecodeError:
        raise TransportError(_not_protocol(status, content_type, body), action=action) from None
    if not batch.ok:
        _raise(batch.error, status, action)
    if len(batch.results) != len(infos):
        message = f"{len(batch.results)} results for {len(infos)} calls"
        raise TransportError(message, action=action, status=status)
    out: list[Reply[Any] | ActionError | TransportError] = []
    for info, raw in zip(infos, batch.results, strict=True):
        try:
            out.append(read_entry(info, raw))
        except msgspec.DecodeError:
            out.append(TransportError("a batch result that is not an envelope", action=info.name))
        except (ActionError, TransportError) as exc:
            out.append(exc)
    return out


def read_entry(info: ActionInfo[R], raw: msgspec.Raw) -> Reply[R]:
    """One envelope inside a reply (a batch result, a refresh entry), its status from its code.

    Raises:
        msgspec.DecodeError: it is not an envelope.
        ActionError: it carries a known error code.
        TransportError: it does not match this client's types, or its code is unknown.
    """
    error = _any_envelope(raw).error
    status = ERROR_STATUS.get(error.code, 500) if error is not None else 200
    return read_reply(info, status, "application/json", bytes(raw))
