"""Creating accounts: the signup action, the ``authstage createuser`` command and tests.

The password is hashed with the same hasher the app uses, and the email normalized the same
way, so an account made here signs in through the app's login action.

Concurrent signups with one email are taken one at a time in a process (a lock per email in
flight), so only the first pays for hashing; the others find the account and answer CONFLICT
at once. Across processes the unique index decides, and its violation gives the same CONFLICT
(same message, same field), not the generic one of ``conflict_from``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from authstage.auth.passwords import PasswordHasher, check_length
from authstage.auth.tables import User
from authstage.conflict import conflict_from
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
    async with _one_at_a_time(email):
        if await User.exists().where(User.email == email):
            raise _taken()
        password_hash = await (hasher or PasswordHasher()).hash(password)
        try:
            rows = await User.insert(
                User(email=email, name=name.strip(), password_hash=password_hash, role=role)
            ).returning(User.id)
        except Exception as exc:  # another process registered it meanwhile
            if conflict_from(exc) is None:
                raise
            raise _taken() from None
    return int(rows[0]["id"])


def _taken() -> Conflict:
    return Conflict(
        "That email is already registered", field_errors={"email": ["Already registered"]}
    )


#: Emails with a signup in flight in this process, and how many calls wait on each.
_in_flight: dict[str, tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def _one_at_a_time(email: str) -> AsyncIterator[None]:
    lock, waiting = _in_flight.get(email, (asyncio.Lock(), 0))
    _in_flight[email] = (lock, waiting + 1)
    try:
        async with lock:
            yield
    finally:
        lock, waiting = _in_flight[email]
        if waiting == 1:
            del _in_flight[email]
        else:
            _in_flight[email] = (lock, waiting - 1)
