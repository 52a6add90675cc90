"""Single-flight refresh for both clients: the reads a call carries, and what became of each.

A call may carry ``Query`` values, the reads its caller displays (``queries.counter("x")``,
generated for each read that declares its dependencies). They go in the ``Authstage-Refresh``
header as ASCII JSON (a header value is ASCII; a batched call puts them in its ``refresh``
field), and the reply's entries become one ``Fresh`` each: not refreshed (the call did not
revalidate the read, so the server did not run it), its new value, or its own error
(docs/protocol.md). The runtime hands each refreshed one to the client's ``on_refresh`` hook.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar

import msgspec

from .errors import ActionError, TransportError
from .protocol import ActionInfo, present, read_entry

__all__ = ["CallOptions", "Fresh", "Query", "read_fresh", "refresh_header", "refresh_list"]

R = TypeVar("R")


class CallOptions(TypedDict, total=False):
    """The options every generated method takes after its own parameters (``**options``).

    ``idempotency_key``: the call runs once for this key, and is retried when its connection
    fails; ``refresh``: the reads to refresh if the call revalidates them
    (``refresh=[queries.counter("visits")]``), each becoming a ``Fresh`` for ``on_refresh``.
    """

    idempotency_key: str | None
    refresh: Sequence[Query[Any]]


@dataclass(frozen=True)
class Query(Generic[R]):
    """A read to refresh after a call: ``refresh=[queries.counter("visits")]``."""

    info: ActionInfo[R]
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """``(action name, arguments as canonical JSON)``: a cache key for this read."""
        encoded = msgspec.json.encode(present(self.args), order="sorted")
        return self.info.name, encoded.decode()


@dataclass(frozen=True)
class Fresh(Generic[R]):
    """What became of one query: not refreshed, its new ``value``, or its own ``error``."""

    query: Query[R]
    refreshed: bool
    value: R | None = None
    error: ActionError | TransportError | None = None


def refresh_list(queries: Sequence[Query[Any]], id_of: Callable[[str], str]) -> list[Any]:
    """The refresh list of ``queries`` under the manifest's IDs, as plain data."""
    items = [{"action": id_of(q.info.name), "args": present(q.args)} for q in queries]
    return msgspec.to_builtins(items)  # type: ignore[no-any-return]


def refresh_header(queries: Sequence[Query[Any]], id_of: Callable[[str], str]) -> str:
    """The ``Authstage-Refresh`` value: the refresh list as ASCII JSON (non-ASCII escaped)."""
    return json.dumps(refresh_list(queries, id_of), separators=(",", ":"), ensure_ascii=True)


def read_fresh(
    action: str, queries: Sequence[Query[Any]], entries: list[msgspec.Raw] | None
) -> list[Fresh[Any]]:
    """One ``Fresh`` per query from a reply's refresh entries.

    Raises:
        TransportError: the reply does not hold one entry per query.
    """
    if entries is None or len(entries) != len(queries):
        message = f"a reply without {len(queries)} refresh entries"
        raise TransportError(message, action=action)
    out: list[Fresh[Any]] = []
    for query, raw in zip(queries, entries, strict=True):
        if bytes(raw) == b"null":
            out.append(Fresh(query, refreshed=False))
            continue
        try:
            value = read_entry(query.info, raw).data
        except msgspec.DecodeError:
            bad = TransportError("a refresh entry that is not an envelope", action=query.info.name)
            out.append(Fresh(query, refreshed=True, error=bad))
        except (ActionError, TransportError) as exc:
            out.append(Fresh(query, refreshed=True, error=exc))
        else:
            out.append(Fresh(query, refreshed=True, value=value))
    return out
