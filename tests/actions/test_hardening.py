"""Session cookie attributes in production, rehash on login, and the sign-up throttle."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions.app import create_app
from authstage.auth import AuthConfig, PasswordHasher, User
from authstage.testing import ActionClient
from tests.actions.conftest import PASSWORD, db, login, signup
from tests.conftest import FAST_HASHER, TEST_SECRET


async def test_production_cookie_is_secure_and_host_prefixed(
    database_url: str, database: object
) -> None:
    app = create_app(
        database_url=database_url,
        auth=AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://"),
        secret=TEST_SECRET,
        production=True,
        debug=False,
    )
    async with AsyncTestClient(app, base_url="https://testserver.local") as client:
        response = await signup(ActionClient(client))
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-authstage_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


async def test_login_rehashes_when_the_parameters_changed(
    db_app: Litestar, actions: ActionClient
) -> None:
    weaker = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    old_hash = await weaker.hash(PASSWORD)
    await db(User.insert(User(email="old@example.com", name="Old", password_hash=old_hash)))
    before = (await db(User.select(User.password_hash).first()))["password_hash"]
    assert "m=512" in before
    assert (await login(actions, "old@example.com")).status_code == 200
    after = (await db(User.select(User.password_hash).first()))["password_hash"]
    assert after != before and "m=1024" in after


async def test_signup_is_throttled_per_ip(database_url: str, database: object) -> None:
    app = create_app(
        database_url=database_url,
        auth=AuthConfig(
            hasher=FAST_HASHER, rate_limit_storage="async+memory://", signup_ip_limit="2/hour"
        ),
        secret=TEST_SECRET,
        production=False,
        debug=False,
    )
    async with AsyncTestClient(app) as client:
        caller = ActionClient(client)
        for n in range(2):
            assert (await signup(caller, email=f"u{n}@example.com")).status_code == 200
            client.cookies.clear()
        response = await signup(caller, email="u3@example.com")
    assert response.status_code == 429
    assert response.headers["retry-after"].isdigit()
