"""Creating accounts outside a request: the ``authstage createuser`` command and tests.

The password is hashed with the same hasher the app uses, and the email normalized the same
way, so an account made here signs in through the app's login action.
"""

from __future__ import annotations

from authstage.auth.passwords import PasswordHasher, check_length
from authstage.auth.tables import User
from authstage.errors import Conflict

__all__ = ["create_user", "normalize_email"]


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: stored trimmed and lower-cased."""
    return email.strip().lower()


async def create_user(
    email: str,
    name: str,
    password: str,
    *,
    role: str = "user",
    hasher: PasswordHasher | None = None,
) -> int:
    """Insert a user and return its ID.

    Raises:
        ValidationFailed: the password is too short or too long.
        Conflict: the email is already registered.
    """
    check_length(password)
    email = normalize_email(email)
    if await User.exists().where(User.email == email):
        raise Conflict(
            "That email is already registered", field_errors={"email": ["Already registered"]}
        )
    password_hash = await (hasher or PasswordHasher()).hash(password)
    rows = await User.insert(
        User(email=email, name=name.strip(), password_hash=password_hash, role=role)
    ).returning(User.id)
    return int(rows[0]["id"])
