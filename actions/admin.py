"""Admin actions: only users with the ``admin`` role may call them (403 for everyone else)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from actions.schemas import UserOut
from authstage import action, depends_on
from authstage.auth import User

__all__ = ["list_users"]


@action(roles=["admin"])
@depends_on(paths=["/profile"])  # update_profile revalidates it: names and bios change
async def list_users(
    limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 50,
) -> list[UserOut]:
    """Every user, newest first (never their password hashes)."""
    rows = (
        await User.select(*User.all_columns(exclude=[User.password_hash]))
        .order_by(User.id, ascending=False)
        .limit(limit)
    )
    return msgspec.convert(rows, list[UserOut])
