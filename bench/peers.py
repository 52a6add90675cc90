"""The benchmarked peers and the comparisons between them.

Every peer is a ``create_app()`` factory in ``bench/servers/``, served by its own uvicorn process
and driven by the same ``wrk`` settings. A comparison names the peers measured back to back in
each round and the ratios taken between them (``subject req/s / baseline req/s``), each with an
optional target.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

__all__ = ["COMPARISONS", "PEERS", "Comparison", "Peer", "Ratio", "Target", "action_headers"]

_NOOP_BODY = b'{"a":1,"b":2}'
_ROW_BODY = b'{"name":"bench","value":42}'
_EMPTY_BODY = b"{}"


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


def _is_me(data: object) -> bool:
    from bench.servers.sessions import USER_NAME

    return (
        isinstance(data, dict)
        and set(data) == {"id", "name"}
        and isinstance(data["id"], int)
        and data["name"] == USER_NAME
    )


def _me_body(status: int, body: bytes) -> bool:
    return status == 200 and _is_me(msgspec.json.decode(body))


def _me_envelope(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    reply = msgspec.json.decode(body)
    return isinstance(reply, dict) and reply.get("ok") is True and _is_me(reply["data"])


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
    #: Needs the PostgreSQL benchmark database.
    uses_db: bool = False
    #: Inserts into the benchmark table, which is emptied before each of its runs.
    inserts: bool = False
    #: Sends the bench user's session cookie (the runner creates the session first).
    signed_in: bool = False
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
class Ratio:
    """``subject req/s / baseline req/s``, taken within each round; informative without target."""

    subject: str
    baseline: str
    target: Target | None = None


@dataclass(frozen=True)
class Comparison:
    """Peers measured back to back in the same rounds, and the ratios between them."""

    key: str
    title: str
    #: Measured in this order (rotated from round to round); subjects first.
    peers: tuple[str, ...]
    ratios: tuple[Ratio, ...]
    summary: str = ""

    @property
    def subjects(self) -> tuple[str, ...]:
        """The peers that are a ratio's subject, in order."""
        return tuple(dict.fromkeys(r.subject for r in self.ratios))


def _inserting_action(key: str, label: str, action: str, description: str) -> Peer:
    """A DB insert peer that is an authstage action: module ``bench.servers.<key>``."""
    module = f"bench.servers.{key}"
    peer = Peer(key, label, module, "/_action", _ROW_BODY, _int_envelope, action)
    return dataclasses.replace(peer, uses_db=True, inserts=True, description=description)


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
        _inserting_action(
            "db_authstage",
            "authstage action + Piccolo ORM insert",
            "bench.insert_row",
            "an action inserting one row with "
            "`BenchRow.insert(BenchRow(name=..., value=...))` on Piccolo's pooled `PostgresEngine`",
        ),
        _inserting_action(
            "db_authstage_compiled",
            "authstage action + compiled Piccolo ORM insert",
            "bench.insert_row_compiled",
            "the ORM peer's `BenchRow.insert(BenchRow(name=..., value=...))` in a "
            "`@compiled` function (authstage.compiled): compiled to SQL on the first call, then "
            "sent with new values through the same Piccolo engine and pool",
        ),
        _inserting_action(
            "db_authstage_sql",
            "authstage action + Piccolo raw SQL",
            "bench.insert_row_sql",
            "an action inserting the row with SQL written by hand, "
            "`BenchRow.raw('INSERT ... VALUES (DEFAULT,{},{}) RETURNING \"id\"', name, value)`, "
            "through the same Piccolo engine and pool",
        ),
        Peer(
            key="db_raw",
            label="Litestar @post + raw asyncpg",
            module="bench.servers.db_raw",
            path="/insert",
            body=_ROW_BODY,
            check=_int_body,
            uses_db=True,
            inserts=True,
            description="a hand-written `@post` route inserting the row with a raw asyncpg pool "
            "(`pool.fetchval`)",
        ),
        Peer(
            key="auth_authstage",
            label="authstage action, signed in",
            module="bench.servers.auth_authstage",
            path="/_action",
            body=_EMPTY_BODY,
            check=_me_envelope,
            action="bench.whoami",
            uses_db=True,
            signed_in=True,
            description="an action that requires a signed-in user (not public; the plugin "
            "built with `auth=AuthConfig()`) returning `Me(id, name)` from `require_user()`",
        ),
        Peer(
            key="auth_post",
            label="Litestar @post, session read by hand",
            module="bench.servers.auth_post",
            path="/whoami",
            body=_EMPTY_BODY,
            check=_me_body,
            uses_db=True,
            signed_in=True,
            description="a hand-written `@post` route reading the `authstage_session` cookie from "
            "`request.cookies`, calling `SessionManager().lookup(token)` (401 without a "
            "session) and the same sliding-expiry check (the row is written, the cookie not "
            "re-sent), returning the same `Me(id, name)`",
        ),
    ]
}

COMPARISONS: list[Comparison] = [
    Comparison(
        key="noop",
        title="No-op: `add(a, b)`",
        peers=("noop_authstage", "noop_post", "noop_asgi"),
        ratios=(
            Ratio("noop_authstage", "noop_post", Target(low=2.0, text=">= 2.0x the @post route")),
            Ratio("noop_authstage", "noop_asgi"),
        ),
        summary="Framework overhead: decode two integers, add them, encode the result.",
    ),
    Comparison(
        key="db",
        title="DB insert: one row on PostgreSQL",
        peers=("db_authstage_compiled", "db_authstage", "db_authstage_sql", "db_raw"),
        ratios=(
            Ratio(
                "db_authstage_compiled",
                "db_raw",
                Target(low=1.0, text=">= 1.0x the raw asyncpg route"),
            ),
            Ratio("db_authstage", "db_raw"),
            Ratio(
                "db_authstage_sql",
                "db_raw",
                Target(low=1.0, text=">= 1.0x the raw asyncpg route"),
            ),
        ),
        summary="A realistic write: one pooled INSERT ... RETURNING per request, the same "
        "statement in all four peers. The three actions differ only in how Piccolo is asked for "
        "it: the compiled ORM query is built once and sent with new values, the plain ORM "
        "query is built on every call, the raw peer passes the SQL as written.",
    ),
    Comparison(
        key="registry",
        title="Registry size: 1 vs 10,000 actions",
        peers=("registry_10k", "noop_authstage"),
        ratios=(
            Ratio(
                "registry_10k",
                "noop_authstage",
                Target(low=0.95, high=1.05, text="within 5% (0.95x-1.05x)"),
            ),
        ),
        summary="Locating an action is one dict lookup: the table's size should not matter.",
    ),
    Comparison(
        key="auth",
        title="Signed in: who am I",
        peers=("auth_authstage", "auth_post"),
        ratios=(
            Ratio(
                "auth_authstage",
                "auth_post",
                Target(low=0.9, text=">= 0.9x the hand-written route"),
            ),
        ),
        summary="A call that needs the signed-in user: the session cookie is looked up in "
        "PostgreSQL (one query, the session joined with its user by the token's hash) and the "
        "user's id and name come back. Both peers share the bench user's one session.",
    ),
]


def action_headers(peer: Peer) -> tuple[dict[str, str], int | None]:
    """The request headers of ``peer`` and its app's number of registered actions.

    For authstage peers the app is built here, exactly as uvicorn builds it, and the action ID
    is taken from ``plugin.endpoint.registry.id_of``. Signed-in peers send the session cookie
    of the token the runner exported in ``BENCH_SESSION_TOKEN``.
    """
    headers = {"Content-Type": "application/json"}
    if peer.signed_in:
        from bench.servers.sessions import COOKIE, TOKEN_ENV

        token = os.environ.get(TOKEN_ENV)
        if not token:
            raise RuntimeError(f"{peer.key} needs a session: {TOKEN_ENV} is not set")
        headers["Cookie"] = f"{COOKIE}={token}"
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
