"""The growth benchmark's peers and the pure arithmetic of its results.

The connection sweep reuses the main benchmark's no-op and signed-in peers (``bench.peers``);
the request-size peers are built here, one variant per body size, and the batch is a variant of
the no-op action's server: the same process, a body of ``calls`` calls under
``Authstage-Batch: 1`` instead of one call under ``Authstage-Action``. Variants share their
server's process and differ only in the wrk script, so no extra server runs per size.

The derived figures live here, apart from the runner, so they can be tested without servers:
the cost a request adds per KB of body (the slope of µs per request between two sizes) and the
calls per second a batch gains over separate calls.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from bench.harness import Server
from bench.peers import PEERS, Peer, Target
from bench.servers.payload import PAYLOAD_LIMIT, payload_body
from bench.wrk import write_lua

__all__ = [
    "BATCH_TARGET",
    "CONNECTION_PEERS",
    "SIZE_PEERS",
    "batch_body",
    "batch_gain",
    "batch_peer",
    "connection_peers",
    "size_peer",
    "slopes",
    "variant",
]

#: The connection sweep: the no-op action, the ``@post`` route, the signed-in action.
CONNECTION_PEERS: tuple[str, ...] = ("noop_authstage", "noop_post", "auth_authstage")
#: The request-size pair: the import action, then the import route.
SIZE_PEERS: tuple[str, ...] = ("payload_authstage", "payload_post")
BATCH_TARGET = Target(low=3.0, text=">= 3x the calls per second of separate calls")

_SIZE_BASE = {
    "payload_authstage": Peer(
        key="payload_authstage",
        label="authstage action (contact import)",
        module="bench.servers.payload_authstage",
        path="/_action",
        body=b"",
        check=lambda status, body: False,
        action="bench.import_contacts",
        description="`import_contacts(source, contacts: list[Contact]) -> int` as an authstage "
        f"action, its body limit raised to {PAYLOAD_LIMIT >> 20} MiB",
    ),
    "payload_post": Peer(
        key="payload_post",
        label="Litestar @post route (contact import)",
        module="bench.servers.payload_post",
        path="/contacts",
        body=b"",
        check=lambda status, body: False,
        description="a hand-written `@post` route taking the same `ContactImport` Struct",
    ),
}


def _reply_is(expected: bytes) -> Callable[[int, bytes], bool]:
    return lambda status, body: status == 200 and body == expected


def size_peer(key: str, size: int) -> tuple[Peer, int, int]:
    """The size peer ``key`` posting an import of about ``size`` bytes; the body's length and
    its number of contacts."""
    body, count = payload_body(size)
    base = _SIZE_BASE[key]
    expected = b'{"ok":true,"data":%d}' % count if base.action else b"%d" % count
    peer = dataclasses.replace(base, key=f"{key}_{size}", body=body, check=_reply_is(expected))
    return peer, len(body), count


def batch_body(action_id: str, args: bytes, calls: int) -> bytes:
    """A batch of ``calls`` calls of the action ``action_id``, each with the JSON ``args``."""
    one = {"action": action_id, "args": msgspec.Raw(args)}
    return msgspec.json.encode({"calls": [one] * calls})


def batch_peer(single: Server, calls: int) -> tuple[Peer, dict[str, str]]:
    """The batch variant of the no-op action's server ``single``, and its request headers."""
    peer = single.peer
    reply = b'{"ok":true,"results":[' + b",".join([b'{"ok":true,"data":3}'] * calls) + b"]}"
    batch = dataclasses.replace(
        peer,
        key="batch",
        label=f"authstage, {calls} calls in one batch",
        body=batch_body(single.headers["Authstage-Action"], peer.body, calls),
        check=_reply_is(reply),
        description=f"one `POST /_action` with `Authstage-Batch: 1` carrying {calls} `add` calls",
    )
    headers = {k: v for k, v in single.headers.items() if k != "Authstage-Action"}
    return batch, {**headers, "Authstage-Batch": "1"}


def variant(server: Server, peer: Peer, headers: dict[str, str], workdir: Path) -> Server:
    """``server``'s process driven with ``peer``'s body and ``headers`` (its own wrk script)."""
    lua = write_lua(peer, headers, workdir)
    return dataclasses.replace(server, peer=peer, lua=lua, headers=headers)


def connection_peers(auth: bool) -> dict[str, Peer]:
    """The connection sweep's peers (without the signed-in one unless ``auth``)."""
    return {k: PEERS[k] for k in CONNECTION_PEERS if auth or k != "auth_authstage"}


# --------------------------------------------------------------------------------------------
# derived figures


def _us(run: dict[str, Any]) -> float:
    """Microseconds of server time per request: the inverse of its throughput."""
    return 1e6 / float(run["rps"])


def slopes(
    sizes: list[int], runs: list[dict[str, list[dict[str, Any]]]], subject: str, baseline: str
) -> list[dict[str, Any]]:
    """µs per KB (1,000 bytes) between consecutive sizes, for both peers, per round.

    ``sizes`` are the bodies' lengths in bytes, ascending; ``runs[i][peer]`` the rounds measured
    at ``sizes[i]``. Each round's slope is ``(µs per request at the larger size - at the smaller)
    / KB between them``; the median over rounds is reported, with the ratio subject / baseline
    taken within each round.
    """
    out = []
    for i in range(len(sizes) - 1):
        kb = (sizes[i + 1] - sizes[i]) / 1000
        per_peer: dict[str, list[float]] = {}
        for peer in (subject, baseline):
            pairs = zip(runs[i][peer], runs[i + 1][peer], strict=True)
            per_peer[peer] = [(_us(large) - _us(small)) / kb for small, large in pairs]
        ratios = [
            s / b for s, b in zip(per_peer[subject], per_peer[baseline], strict=True) if b > 0
        ]
        out.append(
            {
                "from_bytes": sizes[i],
                "to_bytes": sizes[i + 1],
                "us_per_kb": {peer: statistics.median(v) for peer, v in per_peer.items()},
                "per_round": per_peer,
                "ratio": statistics.median(ratios) if ratios else None,
            }
        )
    return out


def batch_gain(
    batch: list[dict[str, Any]], single: list[dict[str, Any]], calls: int
) -> dict[str, Any]:
    """Calls per second of batches of ``calls`` ÷ those of single calls, within each round."""
    per_round = [calls * b["rps"] / s["rps"] for b, s in zip(batch, single, strict=True)]
    gain = statistics.median(per_round)
    return {
        "calls": calls,
        "per_round": per_round,
        "median": gain,
        "target": {"low": BATCH_TARGET.low, "high": BATCH_TARGET.high, "text": BATCH_TARGET.text},
        "met": BATCH_TARGET.met(gain),
    }
