"""Actions of the session-cache tests: who am I, and the ways a session ends."""

from __future__ import annotations

from authstage import action
from authstage.auth import require_user, revoke_session, sign_out

__all__ = ["drop_device", "leave", "whoami"]


@action
async def whoami() -> str:
    """The signed-in user's name (read from the session, cached or not)."""
    return (await require_user()).name


@action
async def leave(everywhere: bool = False) -> None:
    """Sign out here, or everywhere."""
    await sign_out(everywhere=everywhere)


@action
async def drop_device(session_id: int) -> bool:
    """Sign out one session by its ID (ownership is the app's concern, not tested here)."""
    return await revoke_session(session_id)
