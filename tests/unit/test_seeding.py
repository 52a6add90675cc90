"""``run_seed`` and ``AuthstageConfig(seed=)``: demo data once, never in production, all or none.

On both engines: the seeder runs on a database without users and only then, inside one
transaction (a failing seeder leaves nothing; two starting at once seed once), and never in
production whatever the database holds. The plugin refuses a seeder without auth (the user
table decides).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from litestar import Litestar

from authstage import AuthstageConfig, AuthstagePlugin, ConfigurationError
from authstage.auth import User
from authstage.auth.accounts import create_user
from authstage.db import Database
from authstage.seeding import run_seed
from tests.actions.conftest import db
from tests.conftest import FAST_HASHER
from tests.unit.conftest import SECRET

CALLS: list[str] = []


async def _seed_two_users() -> None:
    CALLS.append("seed")
    await create_user("seed-admin@example.com", "Admin", "demo password", hasher=FAST_HASHER)
    await create_user("seed-user@example.com", "User", "demo password", hasher=FAST_HASHER)


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    CALLS.clear()


async def test_seeds_an_empty_database_once(database: Database) -> None:
    assert await run_seed(_seed_two_users, production=False) is True
    assert await run_seed(_seed_two_users, production=False) is False  # a restart
    assert CALLS == ["seed"]
    assert await db(User.count()) == 2


async def test_two_processes_starting_at_once_seed_once(database: Database) -> None:
    ran = await asyncio.gather(*(run_seed(_seed_two_users, production=False) for _ in range(2)))
    assert sorted(ran) == [False, True]
    assert CALLS == ["seed"]
    assert await db(User.count()) == 2


async def test_a_database_with_users_is_left_alone(database: Database) -> None:
    await create_user("someone@example.com", "Someone", "their password", hasher=FAST_HASHER)
    assert await run_seed(_seed_two_users, production=False) is False
    assert CALLS == []
    assert await db(User.select(User.email)) == [{"email": "someone@example.com"}]


async def test_never_in_production(database: Database) -> None:
    assert await run_seed(_seed_two_users, production=True) is False
    assert CALLS == []
    assert await db(User.count()) == 0


async def test_a_failing_seeder_leaves_nothing_and_the_next_start_seeds(
    database: Database,
) -> None:
    async def half_then_fail() -> None:
        await create_user("half@example.com", "Half", "demo password", hasher=FAST_HASHER)
        raise RuntimeError("the seeder broke")

    with pytest.raises(RuntimeError, match="the seeder broke"):
        await run_seed(half_then_fail, production=False)
    assert await db(User.count()) == 0
    assert await run_seed(_seed_two_users, production=False) is True
    assert await db(User.count()) == 2


async def test_a_database_not_migrated_yet_is_not_seeded(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'empty.sqlite'}", migrate_on_startup=False)
    await fresh.startup()
    try:
        assert await run_seed(_seed_two_users, production=False) is False
    finally:
        await fresh.shutdown()
    assert CALLS == []


def test_a_seeder_needs_auth() -> None:
    plugin = AuthstagePlugin(AuthstageConfig(secret=SECRET, seed=_seed_two_users))
    with pytest.raises(ConfigurationError, match=r"seed .* needs auth"):
        Litestar(plugins=[plugin])
