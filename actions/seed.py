"""The demo data of the Quick start: two accounts to sign in with, and each feature's few rows.

``create_app`` gives ``seed_demo_data`` to ``AuthstageConfig(seed=...)``, so the first
``make run`` (the embedded SQLite default, in development) starts with:

==========================  ======================  ========
``admin@example.com``       ``admin-demo-password``  an admin
``ada@example.com``         ``ada-demo-password``    a user
==========================  ======================  ========

The framework decides when it runs (authstage/seeding.py): never in production, only on a
database without users, in one transaction. The accounts are made by ``create_user``, as
``authstage createuser`` makes them; each feature adds its own rows through its
``seed_demo(admin_id, user_id)``, listed in ``FEATURE_SEEDERS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from actions import posts, todos
from authstage.auth import PasswordHasher
from authstage.auth.accounts import create_user

__all__ = ["DEMO_ACCOUNTS", "DEMO_ADMIN", "DEMO_USER", "FEATURE_SEEDERS", "seed_demo_data"]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """An account the demo data creates; its password is published (README, home page)."""

    email: str
    name: str
    password: str
    role: str = "user"


DEMO_ADMIN = DemoAccount("admin@example.com", "Grace Hopper", "admin-demo-password", role="admin")
DEMO_USER = DemoAccount("ada@example.com", "Ada Lovelace", "ada-demo-password")
DEMO_ACCOUNTS = (DEMO_ADMIN, DEMO_USER)

#: Each feature's ``seed_demo(admin_id, user_id)`` (imported from its actions module), called
#: in this order once the accounts exist: posts (with their likes), then todos, and so on.
FEATURE_SEEDERS: list[Callable[[int, int], Awaitable[None]]] = [posts.seed_demo, todos.seed_demo]


async def seed_demo_data(hasher: PasswordHasher | None = None) -> None:
    """Create the two demo accounts (their passwords hashed by ``hasher``, the app's), then run
    every feature's seeder."""
    admin_id, user_id = [
        await create_user(a.email, a.name, a.password, role=a.role, hasher=hasher)
        for a in DEMO_ACCOUNTS
    ]
    for seeder in FEATURE_SEEDERS:
        await seeder(admin_id, user_id)
