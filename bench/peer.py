"""What a benchmark peer and a comparison are, and the checks of a peer's reply.

A peer is one server process under load, driven by the same ``wrk`` settings as every other: a
``create_app()`` factory in ``bench/servers/`` under uvicorn, or a server action of the Next.js
app in ``bench/nextjs/`` under ``next start`` (``bench.nextjs_server``). A comparison names the
peers measured back to back in each round and the ratios taken between them (``subject req/s /
baseline req/s``), each with an optional target. The peers themselves are in ``bench.peers``
(authstage and Litestar) and ``bench.rivals`` (other frameworks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import msgspec

from bench.nextjs_server import action_result

__all__ = [
    "Comparison",
    "Peer",
    "Ratio",
    "Target",
    "equals",
    "int_body",
    "int_envelope",
    "is_int",
    "is_me",
    "me_body",
    "me_envelope",
    "next_reply",
]


def equals(expected: bytes) -> Callable[[int, bytes], bool]:
    """A 200 with exactly ``expected`` as its body."""

    def check(status: int, body: bytes) -> bool:
        return status == 200 and body == expected

    return check


def int_body(status: int, body: bytes) -> bool:
    """A 200 whose JSON body is an integer."""
    return status == 200 and isinstance(msgspec.json.decode(body), int)


def int_envelope(status: int, body: bytes) -> bool:
    """A 200 whose body is the action envelope around an integer."""
    if status != 200:
        return False
    reply = msgspec.json.decode(body)
    return isinstance(reply, dict) and reply.get("ok") is True and isinstance(reply["data"], int)


def is_me(data: object) -> bool:
    """``{id, name}`` of the bench user."""
    from bench.servers.sessions import USER_NAME

    return (
        isinstance(data, dict)
        and set(data) == {"id", "name"}
        and isinstance(data["id"], int)
        and data["name"] == USER_NAME
    )


def me_body(status: int, body: bytes) -> bool:
    """A 200 whose JSON body is the bench user's ``{id, name}``."""
    return status == 200 and is_me(msgspec.json.decode(body))


def me_envelope(status: int, body: bytes) -> bool:
    """A 200 whose body is the action envelope around the bench user's ``{id, name}``."""
    if status != 200:
        return False
    reply = msgspec.json.decode(body)
    return isinstance(reply, dict) and reply.get("ok") is True and is_me(reply["data"])


def next_reply(valid: Callable[[object], bool]) -> Callable[[int, bytes], bool]:
    """A 200 whose RSC payload carries a result that is ``valid`` (not an error row)."""

    def check(status: int, body: bytes) -> bool:
        try:
            return status == 200 and valid(action_result(body))
        except ValueError:
            return False

    return check


def is_int(data: object) -> bool:
    """An integer (not a boolean)."""
    return isinstance(data, int) and not isinstance(data, bool)


@dataclass(frozen=True)
class Peer:
    """One server under load."""

    key: str
    label: str
    #: The module of the uvicorn app factory (``<module>:create_app``), or the file of the
    #: Next.js actions.
    module: str
    path: str
    body: bytes
    #: ``(status, body) -> ok`` for the check request sent before measuring.
    check: Callable[[int, bytes], bool]
    #: The authstage action name called through ``/_action`` (None for hand-written routes), or
    #: the exported name of the Next.js server action.
    action: str | None = None
    #: What serves the peer: ``create_app()`` of ``module`` under uvicorn, or the Next.js app
    #: of ``bench/nextjs`` under ``next start``.
    runtime: Literal["uvicorn", "next"] = "uvicorn"
    #: Needs the PostgreSQL benchmark database.
    uses_db: bool = False
    #: Inserts into the benchmark table, which is emptied before each of its runs.
    inserts: bool = False
    #: Sends the bench user's session cookie (the runner creates the session first).
    signed_in: bool = False
    description: str = ""
    #: When above 0, each request sends ``body_template`` (a Lua format string with one
    #: ``%d``) with a key drawn at random from 1 to ``keys``; ``body`` is the check request's.
    keys: int = 0
    body_template: str = ""


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
    #: Measured in this order (rotated from round to round): subjects first, or each subject
    #: followed by its baselines.
    peers: tuple[str, ...]
    ratios: tuple[Ratio, ...]
    summary: str = ""

    @property
    def subjects(self) -> tuple[str, ...]:
        """The peers that are a ratio's subject, in order."""
        return tuple(dict.fromkeys(r.subject for r in self.ratios))
