"""Admin actions: only users with the ``admin`` role may call them (403 for everyone else).

Role changes are audited; the audit log itself is read with ``authstage.audit``'s
``list_audit_entries`` (admin-only too), which the app registers beside this module
(``actions.app.ACTION_MODULES``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from actions.schemas import UserOut
from authstage import Audit, action, depends_on, not_found
from authstage.auth import User, user_changed

__all__ = ["list_users", "set_role"]


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


@action(roles=["admin"], audit=Audit(args=["user_id", "role"]))
async def set_role(user_id: int, role: Literal["user", "admin"]) -> UserOut:
    """Give a user the ``user`` or ``admin`` role (audited: who changed whose role to what)."""
    await User.update({User.role: role}).where(User.id == user_id)
    await user_changed(user_id)  # cached sessions carry the role: dropped on every instance
    row = (
        await User.select(*User.all_columns(exclude=[User.password_hash]))
        .where(User.id == user_id)
        .first()
    )
    if row is None:
        not_found("No such user")
    return msgspec.convert(row, UserOut)
