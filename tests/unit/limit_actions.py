"""Rate-limited actions for the per-action rate limit tests (test_actionlimits.py)."""

from __future__ import annotations

import msgspec

from authstage import RateLimit, RequestContext, action

#: Calls that ran, by action.
RAN: list[str] = []


class Principal(msgspec.Struct, frozen=True):
    """A signed-in caller, as the tests' authenticator makes it."""

    user_id: int


async def authenticate(ctx: RequestContext) -> Principal | None:
    """The caller named by the ``x-user`` header (signed out without one)."""
    user = ctx.headers.get("x-user")
    return Principal(int(user)) if user else None


@action(public=True, rate_limit="2/minute")
async def report() -> str:
    """Two per minute per caller."""
    RAN.append("report")
    return "report"


@action(public=True, rate_limit="2/minute")
async def summary() -> str:
    """The same rule as ``report``, its own counter."""
    RAN.append("summary")
    return "summary"


def team_of(ctx: RequestContext) -> str:
    """Callers are counted by team, whoever they are."""
    return ctx.headers.get("x-team", "none")


@action(public=True, rate_limit=RateLimit("1/minute", key=team_of))
async def team_export() -> str:
    """One per minute per team."""
    RAN.append("team_export")
    return "team"


@action(rate_limit="1 per 10 seconds")
async def private_report() -> str:
    """Signed-in only; one per ten seconds per user."""
    RAN.append("private_report")
    return "private"
