"""Password hashing: argon2id (argon2-cffi) off the event loop, with bounded concurrency.

Hashing is deliberately slow and memory-hungry, so it runs in worker threads and at most
``concurrency`` at once (default: the CPU count): a burst of logins queues instead of starving the
event loop or exhausting memory. Lengths are checked *before* hashing, so a 1 MB "password" costs
nothing. ``verify`` against a missing user still runs one full verification against a dummy hash,
so a failed login takes the same path and comparable time whether the email exists or not.
Piccolo's ``BaseUser`` hashes on the event loop and compares with ``==``, hence this module.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from authstage.errors import ValidationFailed

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "PasswordHasher", "Verified"]

T = TypeVar("T")

MIN_PASSWORD_LENGTH = 8
#: Long enough for any passphrase or password manager; short enough to refuse abuse cheaply.
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class Verified:
    """The result of a verification: whether it matched, and a new hash when parameters changed."""

    ok: bool
    new_hash: str | None = None


def check_length(password: str, field: str = "password") -> None:
    """Raise a field error unless ``password`` is within the length limits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"Must be at least {MIN_PASSWORD_LENGTH} characters"
    elif len(password) > MAX_PASSWORD_LENGTH:
        message = f"Must be at most {MAX_PASSWORD_LENGTH} characters"
    else:
        return
    raise ValidationFailed("Invalid input", field_errors={field: [message]})


class PasswordHasher:
    """argon2id hashing and verification in worker threads.

    Args:
        time_cost: argon2 iterations (argon2-cffi's default: 3).
        memory_cost: KiB of memory per hash (default 64 MiB).
        parallelism: lanes per hash.
        concurrency: hashes running at once (default: CPU count).
    """

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 64 * 1024,
        parallelism: int = 4,
        concurrency: int | None = None,
    ) -> None:
        self._argon = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        # A pool of its own bounds how many hashes run at once, whatever the event loop.
        self._pool = ThreadPoolExecutor(
            max_workers=concurrency or os.cpu_count() or 2, thread_name_prefix="argon2"
        )
        self._dummy = self._argon.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        """The argon2id hash of ``password`` (length-checked first)."""
        check_length(password)
        return await self._run(self._argon.hash, password)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _verify(self, stored: str, password: str) -> Verified:
        try:
            self._argon.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verified(ok=False)
        if self._argon.check_needs_rehash(stored):
            return Verified(ok=True, new_hash=self._argon.hash(password))
        return Verified(ok=True)

    async def verify(self, stored: str | None, password: str) -> Verified:
        """Check ``password`` against ``stored``; with ``stored=None`` burn the same time and fail.

        Passwords outside the length limits fail without hashing.
        """
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            return Verified(ok=False)
        if stored is None:
            await self._run(self._verify, self._dummy, password + "\x00")
            return Verified(ok=False)
        return await self._run(self._verify, stored, password)
