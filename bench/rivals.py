"""The other frameworks' peers, doing the authstage peers' work, and their comparisons.

FastAPI routes (``bench/servers/*_fastapi.py``, under uvicorn like every Python peer) and
Next.js server actions (``bench/nextjs/``, under ``next start``; ``bench.nextjs_server``
builds and starts it), each compared with the authstage peer doing the same work, measured in
the same run and rounds.
"""

from __future__ import annotations

from bench.peer import Comparison, Peer, Ratio, Target, equals, int_body, is_int, is_me, next_reply

__all__ = ["RIVAL_COMPARISONS", "RIVAL_PEERS"]

_NOOP_BODY = b'{"a":1,"b":2}'
_ROW_BODY = b'{"name":"bench","value":42}'
#: The same arguments as React encodes them for a server action (``encodeReply``).
_NEXT_NOOP_BODY = b"[1,2]"
_NEXT_ROW_BODY = b'["bench",42]'
_NEXT_EMPTY_BODY = b"[]"
#: Where the Next.js peers' actions are written.
_NEXT_MODULE = "bench/nextjs/app/actions.js"

RIVAL_PEERS: list[Peer] = [
    Peer(
        key="noop_fastapi",
        label="FastAPI @app.post route",
        module="bench.servers.noop_fastapi",
        path="/add",
        body=_NOOP_BODY,
        check=equals(b"3"),
        description="a FastAPI `@app.post` route taking a pydantic model `{a, b}` (the same "
        "64-bit bounds, unknown fields forbidden) and returning the sum",
    ),
    Peer(
        key="db_fastapi",
        label="FastAPI @app.post + asyncpg",
        module="bench.servers.db_fastapi",
        path="/insert",
        body=_ROW_BODY,
        check=int_body,
        uses_db=True,
        inserts=True,
        description="a FastAPI `@app.post` route taking a pydantic model `{name, value}` and "
        "inserting the row with `pool.fetchval` on an asyncpg pool opened in the app's "
        "lifespan, reached through a `Depends` dependency",
    ),
    Peer(
        key="noop_next",
        label="Next.js server action",
        module=_NEXT_MODULE,
        path="/",
        body=_NEXT_NOOP_BODY,
        check=next_reply(lambda data: data == 3),
        action="add",
        runtime="next",
        description="`add(a, b)` as a `'use server'` action (integers checked), called "
        "the way Next's client calls it: `POST /` with its `Next-Action` ID, the arguments "
        "as React encodes them (`[1,2]`), the result in the RSC reply",
    ),
    Peer(
        key="db_next",
        label="Next.js server action + pg insert",
        module=_NEXT_MODULE,
        path="/",
        body=_NEXT_ROW_BODY,
        check=next_reply(is_int),
        action="insertRow",
        runtime="next",
        uses_db=True,
        inserts=True,
        description="`insertRow(name, value)` as a `'use server'` action sending the same "
        "INSERT on a `pg` Pool of the same size (opened at startup in `instrumentation.js`), "
        "returning the id",
    ),
    Peer(
        key="auth_next",
        label="Next.js server action, signed in",
        module=_NEXT_MODULE,
        path="/",
        body=_NEXT_EMPTY_BODY,
        check=next_reply(is_me),
        action="whoami",
        runtime="next",
        uses_db=True,
        signed_in=True,
        description="`whoami()` as a `'use server'` action reading the `authstage_session` "
        "cookie with `cookies()`, sending the SQL `SessionManager.lookup` sends (the session "
        "joined with its user by the token's SHA-256) on the `pg` Pool, applying the same "
        "expiry and sliding-write rules, `unauthorized()` (401) without a live session, and "
        "returning `{id, name}`",
    ),
]

RIVAL_COMPARISONS: list[Comparison] = [
    Comparison(
        key="nextjs",
        title="Next.js: the same three calls as server actions",
        peers=(
            "noop_authstage",
            "noop_next",
            "db_authstage_compiled",
            "db_next",
            "auth_authstage",
            "auth_next",
        ),
        ratios=(
            Ratio(
                "noop_authstage", "noop_next", Target(low=20.0, text=">= 20x the Next.js action")
            ),
            Ratio(
                "db_authstage_compiled", "db_next", Target(low=4.0, text=">= 4x the Next.js action")
            ),
            Ratio("auth_authstage", "auth_next", Target(low=4.0, text=">= 4x the Next.js action")),
        ),
        summary="The no-op, the insert and the signed-in call as `'use server'` actions of a "
        "Next.js app (`next build`, then `next start` in production mode, one Node.js process "
        "on the same core as every server), called with Next's own action protocol. Each "
        "authstage peer is followed by its Next.js counterpart.",
    ),
    Comparison(
        key="fastapi",
        title="FastAPI: the same calls as hand-written routes",
        peers=("noop_authstage", "noop_fastapi", "db_authstage_compiled", "db_fastapi"),
        ratios=(
            Ratio(
                "noop_authstage",
                "noop_fastapi",
                Target(low=2.0, text=">= 2.0x the FastAPI route"),
            ),
            Ratio(
                "db_authstage_compiled",
                "db_fastapi",
                Target(low=1.0, text=">= 1.0x the FastAPI route"),
            ),
        ),
        summary="The no-op and the insert as FastAPI routes (pydantic models in, the value "
        "out), under the same uvicorn options. The targets are the ones set against the "
        "hand-written Litestar routes.",
    ),
]
