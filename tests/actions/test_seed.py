"""The Quick start's demo data (actions/seed.py): what the first start shows, and when it is not
written: on a restart, on a database somebody uses, in production. On both engines."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions import seed
from actions.app import create_app
from authstage.auth import AuthConfig, User
from authstage.auth.accounts import create_user
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, login
from tests.conftest import FAST_HASHER, TEST_SECRET


def _app(database_url: str, **config: Any) -> Litestar:
    """The demo app as ``make run`` builds it (seeding on), over the test database."""
    config.setdefault("production", False)
    return create_app(
        database_url=database_url,
        auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
        secret=TEST_SECRET,
        debug=False,
        **config,
    )


async def _start(app: Litestar) -> str:
    """Start and stop ``app`` once; its home page as it was served."""
    async with AsyncTestClient(app) as client:
        return (await client.get("/")).text


async def _users() -> list[dict[str, Any]]:
    return list(await db(User.select(User.email, User.role).order_by(User.id)))


async def test_first_start_seeds_the_demo_accounts_and_shows_them(
    database_url: str, database: object
) -> None:
    home = await _start(_app(database_url))
    assert await _users() == [
        {"email": "admin@example.com", "role": "admin"},
        {"email": "ada@example.com", "role": "user"},
    ]
    for account in seed.DEMO_ACCOUNTS:
        assert account.email in home and account.password in home
    async with AsyncTestClient(_app(database_url)) as client:
        for account in seed.DEMO_ACCOUNTS:
            client.cookies.clear()
            response = await login(ActionClient(client), account.email, account.password)
            assert response.status_code == 200, response.text


async def test_a_restart_seeds_nothing_twice(database_url: str, database: object) -> None:
    await _start(_app(database_url))
    await _start(_app(database_url))
    assert [u["email"] for u in await _users()] == ["admin@example.com", "ada@example.com"]


async def test_a_database_with_users_is_left_alone_and_shows_no_demo_accounts(
    database_url: str, database: object
) -> None:
    await create_user("grace@example.com", "Grace", PASSWORD, hasher=FAST_HASHER)
    home = await _start(_app(database_url))
    assert [u["email"] for u in await _users()] == ["grace@example.com"]
    assert "Demo accounts" not in home and "admin-demo-password" not in home


async def test_never_seeded_in_production_by_setting(database_url: str, database: object) -> None:
    await _start(_app(database_url, production=True))
    assert await _users() == []


async def test_never_seeded_in_production_by_environment(
    database_url: str, database: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHSTAGE_ENV", "production")
    await _start(_app(database_url, production=None))
    assert await _users() == []


async def test_production_shows_no_demo_passwords_even_for_like_named_accounts(
    database_url: str, database: object
) -> None:
    await create_user("admin@example.com", "Admin", PASSWORD, hasher=FAST_HASHER, role="admin")
    async with AsyncTestClient(
        _app(database_url, production=True), base_url="https://testserver.local"
    ) as client:
        home = (await client.get("/")).text
    assert "Demo accounts" not in home and "admin-demo-password" not in home


async def test_each_feature_seeder_gets_the_two_accounts(
    database_url: str, database: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[tuple[int, int]] = []

    async def feature(admin_id: int, user_id: int) -> None:
        given.append((admin_id, user_id))

    monkeypatch.setattr(seed, "FEATURE_SEEDERS", [feature])
    await _start(_app(database_url))
    ids = {u["email"]: u["id"] for u in await db(User.select(User.id, User.email))}
    assert given == [(ids["admin@example.com"], ids["ada@example.com"])]
