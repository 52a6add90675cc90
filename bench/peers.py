"""The benchmarked authstage and Litestar peers, and the comparisons between them.

What a peer and a comparison are is in ``bench.peer``; the other frameworks' peers (FastAPI,
Next.js) are in ``bench.rivals``. ``PEERS`` and ``COMPARISONS`` hold them all, in the order a
full run measures them.
"""

from __future__ import annotations

import dataclasses
import importlib
import os

from bench.keyed import KEYED_COMPARISONS, KEYED_PEERS
from bench.peer import (
    Comparison,
    Peer,
    Ratio,
    Target,
    equals,
    int_body,
    int_envelope,
    me_body,
    me_envelope,
)
from bench.rivals import RIVAL_COMPARISONS, RIVAL_PEERS

__all__ = [
    "COMPARISONS",
    "PEERS",
    "Comparison",
    "Peer",
    "Ratio",
    "Target",
    "action_headers",
    "session_headers",
]

_NOOP_BODY = b'{"a":1,"b":2}'
_ROW_BODY = b'{"name":"bench","value":42}'
_EMPTY_BODY = b"{}"


def _inserting_action(key: str, label: str, action: str, description: str) -> Peer:
    """A DB insert peer that is an authstage action: module ``bench.servers.<key>``."""
    module = f"bench.servers.{key}"
    peer = Peer(key, label, module, "/_action", _ROW_BODY, int_envelope, action)
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
            check=equals(b'{"ok":true,"data":3}'),
            action="bench.add",
            description="`add(a, b) -> int` as an authstage action, the only one registered",
        ),
        Peer(
            key="noop_post",
            label="Litestar @post route",
            module="bench.servers.noop_post",
            path="/add",
            body=_NOOP_BODY,
            check=equals(b"3"),
            description="a hand-written `@post` route taking a msgspec Struct `{a, b}`",
        ),
        Peer(
            key="noop_asgi",
            label="Litestar @asgi handler",
            module="bench.servers.noop_asgi",
            path="/add",
            body=_NOOP_BODY,
            check=equals(b"3"),
            description="a hand-written `@asgi` handler: msgspec decode and encode by hand",
        ),
        Peer(
            key="registry_10k",
            label="authstage POST /_action (10,000 actions)",
            module="bench.servers.registry_10k",
            path="/_action",
            body=_NOOP_BODY,
            check=equals(b'{"ok":true,"data":3}'),
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
            check=int_body,
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
            check=me_envelope,
            action="bench.whoami",
            uses_db=True,
            signed_in=True,
            description="an action that requires a signed-in user (not public; the plugin "
            "built with `auth=AuthConfig()`) returning `Me(id, name)` from `require_user()`",
        ),
        Peer(
            key="auth_uncached",
            label="authstage action, signed in, no session cache",
            module="bench.servers.auth_uncached",
            path="/_action",
            body=_EMPTY_BODY,
            check=me_envelope,
            action="bench.whoami",
            uses_db=True,
            signed_in=True,
            description="the same action with the session cache turned off "
            "(`AuthConfig(session_cache_size=0)`): one session query per call",
        ),
        Peer(
            key="auth_post",
            label="Litestar @post, session read by hand",
            module="bench.servers.auth_post",
            path="/whoami",
            body=_EMPTY_BODY,
            check=me_body,
            uses_db=True,
            signed_in=True,
            description="a hand-written `@post` route reading the `authstage_session` cookie from "
            "`request.cookies`, calling `SessionManager().lookup(token)` (401 without a "
            "session) and the same sliding-expiry check (the row is written, the cookie not "
            "re-sent), returning the same `Me(id, name)`",
        ),
        *KEYED_PEERS,
        *RIVAL_PEERS,
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
    *KEYED_COMPARISONS,
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
        peers=("auth_authstage", "auth_uncached", "auth_post", "noop_authstage"),
        ratios=(
            Ratio(
                "auth_authstage",
                "auth_post",
                Target(low=3.0, text=">= 3x the hand-written route doing the session query"),
            ),
            Ratio(
                "auth_authstage",
                "noop_authstage",
                Target(low=0.6, text=">= 0.6x the no-op action"),
            ),
            Ratio("auth_uncached", "auth_post"),
        ),
        summary="A call that needs the signed-in user, returning the user's id and name. The "
        "action reads its session from the session cache (bounded, with a TTL, revoked on every "
        "instance through LISTEN/NOTIFY on this database); without the cache, and in the "
        "hand-written route, the session cookie is looked up in PostgreSQL on every call (one "
        "query: the session joined with its user by the token's hash). All three share the "
        "bench user's one session.",
    ),
    *RIVAL_COMPARISONS,
]


def session_headers(peer: Peer) -> dict[str, str]:
    """The session cookie a signed-in peer sends (none for the others): the token the runner
    exported in ``BENCH_SESSION_TOKEN``."""
    if not peer.signed_in:
        return {}
    from bench.servers.sessions import COOKIE, TOKEN_ENV

    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise RuntimeError(f"{peer.key} needs a session: {TOKEN_ENV} is not set")
    return {"Cookie": f"{COOKIE}={token}"}


def action_headers(peer: Peer) -> tuple[dict[str, str], int | None]:
    """The request headers of the uvicorn peer ``peer`` and its app's number of registered
    actions.

    For authstage peers the app is built here, exactly as uvicorn builds it, and the action ID
    is taken from ``plugin.endpoint.registry.id_of``. Signed-in peers send the session cookie.
    """
    headers = {"Content-Type": "application/json", **session_headers(peer)}
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
