"""The select-by-key and update-by-key peers, and their comparison.

Issue 11's first target covers three ORM queries through an action: an insert (the ``db``
comparison in ``bench.peers``), a select by key and an update by key (here). Each keyed peer
picks its row at random among ``KEYED_ROWS`` on every request (``Peer.keys``), so updates do
not queue on one row's lock and reads are not one cached page. The actions use ``@compiled``
ORM queries (``bench/servers/keyed_authstage.py``); the baselines are hand-written Litestar
routes on a raw asyncpg pool sending the same statements (``bench/servers/keyed_raw.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from bench.peer import Comparison, Peer, Ratio, Target, int_body, int_envelope
from bench.servers.tables import KEYED_ROWS

__all__ = ["KEYED_COMPARISONS", "KEYED_PEERS"]


def _row_envelope(status: int, body: bytes) -> bool:
    reply = msgspec.json.decode(body) if status == 200 else None
    return isinstance(reply, dict) and reply.get("ok") is True and _is_row(reply["data"])


def _row_body(status: int, body: bytes) -> bool:
    return status == 200 and _is_row(msgspec.json.decode(body))


def _is_row(data: object) -> bool:
    return isinstance(data, dict) and set(data) == {"id", "name", "value"} and data["id"] == 1


def _keyed(
    key: str,
    label: str,
    module: str,
    path: str,
    template: str,
    check: Callable[[int, bytes], bool],
    description: str,
    action: str | None = None,
) -> Peer:
    """A peer sending ``template`` with a random key; its check request uses key 1."""
    body = (template % 1).encode()
    return Peer(
        key,
        label,
        module,
        path,
        body,
        check,
        action,
        uses_db=True,
        description=description,
        keys=KEYED_ROWS,
        body_template=template,
    )


_GET = '{"row_id":%d}'
_SET = '{"row_id":%d,"value":7}'
_ORM = "bench.servers.keyed_authstage"
_RAW = "bench.servers.keyed_raw"

KEYED_PEERS: list[Peer] = [
    _keyed(
        "get_authstage",
        "authstage action + compiled ORM select by key",
        _ORM,
        "/_action",
        _GET,
        check=_row_envelope,
        action="bench.get_row",
        description="an action returning one row, `BenchKeyed.select().where(BenchKeyed.id == "
        "row_id).first()` in a `@compiled` function, the key drawn at random per request",
    ),
    _keyed(
        "get_raw",
        "Litestar @post + raw asyncpg select",
        _RAW,
        "/get",
        _GET,
        check=_row_body,
        description="a hand-written `@post` route sending the statement Piccolo sends for that "
        "select with `pool.fetchrow`",
    ),
    _keyed(
        "set_authstage",
        "authstage action + compiled ORM update by key",
        _ORM,
        "/_action",
        _SET,
        check=int_envelope,
        action="bench.set_value",
        description="an action updating one row's value, `BenchKeyed.update({BenchKeyed.value: "
        "value}).where(BenchKeyed.id == row_id)` in a `@compiled` function",
    ),
    _keyed(
        "set_raw",
        "Litestar @post + raw asyncpg update",
        _RAW,
        "/set",
        _SET,
        check=int_body,
        description="a hand-written `@post` route sending the same UPDATE with `pool.execute`",
    ),
]

KEYED_COMPARISONS: list[Comparison] = [
    Comparison(
        key="keyed",
        title="DB select and update by key: one row on PostgreSQL",
        peers=("get_authstage", "get_raw", "set_authstage", "set_raw"),
        ratios=(
            Ratio(
                "get_authstage", "get_raw", Target(low=1.0, text=">= 1.0x the raw asyncpg route")
            ),
            Ratio(
                "set_authstage", "set_raw", Target(low=1.0, text=">= 1.0x the raw asyncpg route")
            ),
        ),
        summary="The other two ORM queries of a typical action: a read of one row by its key "
        f"and an update of one row by its key, the key drawn at random among {KEYED_ROWS:,} rows "
        "per request, the same statement and pool size in both peers of each pair.",
    ),
]
