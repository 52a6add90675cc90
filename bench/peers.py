"""The benchmarked peers and the comparisons between them.

Every peer is a ``create_app()`` factory in ``bench/servers/``, served by its own uvicorn process
and driven by the same ``wrk`` settings. A comparison names a subject, its baselines and the
ratio target (``subject req/s / baseline req/s``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

__all__ = ["COMPARISONS", "PEERS", "Comparison", "Peer", "Target", "action_headers"]

_NOOP_BODY = b'{"a":1,"b":2}'
_ROW_BODY = b'{"name":"bench","value":42}'


def _equals(expected: bytes) -> Callable[[int, bytes], bool]:
    def check(status: int, body: bytes) -> bool:
        return status == 200 and body == expected

    return check


def _int_body(status: int, body: bytes) -> bool:
    return status == 200 and isinstance(msgspec.json.decode(body), int)


def _int_envelope(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    reply = msgspec.json.decode(body)
    return isinstance(reply, dict) and reply.get("ok") is True and isinstance(reply["data"], int)


@dataclass(frozen=True)
class Peer:
    """One server under load."""

    key: str
    label: str
    module: str
    path: str
    body: bytes
    #: ``(status, body) -> ok`` for the check request sent before measuring.
    check: Callable[[int, bytes], bool]
    #: The authstage action name called through ``/_action`` (None for hand-written routes).
    action: str | None = None
    uses_db: bool = False
    description: str = ""


@dataclass(frozen=True)
class Target:
    """A bound on ``subject / baseline``."""

    low: float | None = None
    high: float | None = None
    text: str = ""

    def met(self, ratio: float) -> bool:
        """Whether ``ratio`` is within the bounds."""
        return (self.low is None or ratio >= self.low) and (self.high is None or ratio <= self.high)


@dataclass(frozen=True)
class Comparison:
    """A subject peer measured against baselines in the same rounds."""

    key: str
    title: str
    subject: str
    baselines: tuple[str, ...]
    #: baseline key -> target for ``subject / baseline`` (baselines without one are informative).
    targets: dict[str, Target] = field(default_factory=dict)
    summary: str = ""

    @property
    def peers(self) -> tuple[str, ...]:
        """The subject, then the baselines."""
        return (self.subject, *self.baselines)


PEERS: dict[str, Peer] = {
    p.key: p
    for p in [
        Peer(
            key="noop_authstage",
            label="authstage POST /_action (1 action)",
            module="bench.servers.noop_authstage",
            path="/_action",
            body=_NOOP_BODY,
            check=_equals(b'{"ok":true,"data":3}'),
            action="bench.add",
            description="`add(a, b) -> int` as an authstage action, the only one registered",
        ),
        Peer(
            key="noop_post",
            label="Litestar @post route",
            module="bench.servers.noop_post",
            path="/add",
            body=_NOOP_BODY,
            check=_equals(b"3"),
            description="a hand-written `@post` route taking a msgspec Struct `{a, b}`",
        ),
        Peer(
            key="noop_asgi",
            label="Litestar @asgi handler",
            module="bench.servers.noop_asgi",
            path="/add",
            body=_NOOP_BODY,
            check=_equals(b"3"),
            description="a hand-written `@asgi` handler: msgspec decode and encode by hand",
        ),
        Peer(
            key="registry_10k",
            label="authstage POST /_action (10,000 actions)",
            module="bench.servers.registry_10k",
            path="/_action",
            body=_NOOP_BODY,
            check=_equals(b'{"ok":true,"data":3}'),
            action="bench.add",
            description="the same `add` action among 10,000 registered actions",
        ),
        Peer(
            key="db_authstage",
            label="authstage action + Piccolo",
            module="bench.servers.db_authstage",
            path="/_action",
            body=_ROW_BODY,
            check=_int_envelope,
            action="bench.insert_row",
            uses_db=True,
            description="an action inserting one row with Piccolo's pooled `PostgresEngine`",
        ),
        Peer(
            key="db_raw",
            label="Litestar @post + raw asyncpg",
            module="bench.servers.db_raw",
            path="/insert",
            body=_ROW_BODY,
            check=_int_body,
            uses_db=True,
            description="a hand-written `@post` route inserting the row with a raw asyncpg pool",
        ),
    ]
}

COMPARISONS: list[Comparison] = [
    Comparison(
        key="noop",
        title="No-op: `add(a, b)`",
        subject="noop_authstage",
        baselines=("noop_post", "noop_asgi"),
        targets={"noop_post": Target(low=2.0, text=">= 2.0x the @post route")},
        summary="Framework overhead: decode two integers, add them, encode the result.",
    ),
    Comparison(
        key="db",
        title="DB insert: one row on PostgreSQL",
        subject="db_authstage",
        baselines=("db_raw",),
        targets={"db_raw": Target(low=1.0, text=">= 1.0x the raw asyncpg route")},
        summary="A realistic write: one pooled INSERT ... RETURNING per request.",
    ),
    Comparison(
        key="registry",
        title="Registry size: 1 vs 10,000 actions",
        subject="registry_10k",
        baselines=("noop_authstage",),
        targets={"noop_authstage": Target(low=0.95, high=1.05, text="within 5% (0.95x-1.05x)")},
        summary="Locating an action is one dict lookup: the table's size should not matter.",
    ),
]


def action_headers(peer: Peer) -> tuple[dict[str, str], int | None]:
    """The request headers of ``peer`` and its app's number of registered actions.

    For authstage peers the app is built here, exactly as uvicorn builds it, and the action ID
    is taken from ``plugin.endpoint.registry.id_of``.
    """
    headers = {"Content-Type": "application/json"}
    if peer.action is None:
        return headers, None
    from authstage import AuthstagePlugin

    factory = importlib.import_module(peer.module).create_app
    plugin = factory().plugins.get(AuthstagePlugin)
    if plugin.endpoint is None:
        raise RuntimeError(f"{peer.module}: the authstage plugin was not built")
    registry = plugin.endpoint.registry
    headers["Authstage-Action"] = registry.id_of(peer.action)
    return headers, len(registry)
