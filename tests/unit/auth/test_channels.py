"""Two instances, one database: a revocation on A is refused on B within a second, through
PostgreSQL LISTEN/NOTIFY or Redis pub/sub; and a lost channel turns B's cache off until it is
back (a revocation made meanwhile is honoured at once), then on again, empty."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from authstage.auth import AuthConfig, Session, User
from authstage.auth.pgchannel import LISTENER_NAME
from authstage.db import Database
from authstage.errors import ConfigurationError
from tests.live_server import free_port
from tests.unit.auth import session_actions
from tests.unit.auth.conftest import Instance, eventually, instance, sign_in_user
from tests.unit.redis_server import REDIS_URL, PrivateRedis, require_redis

Revocation = Callable[[Instance, int, str], Awaitable[object]]
#: Run on the PostgreSQL database only (LISTEN/NOTIFY is PostgreSQL's).
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


async def _session_id(token_user: int) -> int:
    row = await Session.select(Session.id).where(Session.user == token_user).first()
    assert row is not None
    return int(row["id"])


async def _revoke_device(a: Instance, user_id: int, token: str) -> object:
    return await a.call(session_actions.drop_device, token, session_id=await _session_id(user_id))


#: Every way a session ends, run on instance A.
REVOCATIONS: dict[str, Revocation] = {
    "sign_out": lambda a, user_id, token: a.call(session_actions.leave, token),
    "sign_out_everywhere": lambda a, user_id, token: a.call(
        session_actions.leave, token, everywhere=True
    ),
    "revoke_session": _revoke_device,
    "delete_user": lambda a, user_id, token: a.auth.sessions.delete_user(user_id),
    "set_password": lambda a, user_id, token: a.auth.sessions.set_password(user_id, "new"),
}


async def _connected(*instances: Instance) -> None:
    async def all_connected() -> bool:
        return all(i.channel.connected for i in instances)

    await eventually(all_connected, within=5)


async def _cached_on(b: Instance, token: str, queries: list[str]) -> None:
    """B answers for ``token``, the second time from its cache (no query)."""
    assert await b.whoami(token) == "Ada"
    queries.clear()
    assert await b.whoami(token) == "Ada"
    assert queries == []


async def _refused_within_a_second(b: Instance, token: str) -> None:
    async def refused() -> bool:
        return await b.whoami(token) is None

    await eventually(refused, within=1.0)


@on_postgres
@pytest.mark.parametrize("path", sorted(REVOCATIONS))
async def test_postgres_revocation_on_a_is_refused_on_b_within_a_second(
    database: Database, queries: list[str], path: str
) -> None:
    async with instance("postgres") as a, instance("postgres") as b:
        await _connected(a, b)
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        await REVOCATIONS[path](a, user_id, token)
        await _refused_within_a_second(b, token)


@on_postgres
async def test_postgres_role_and_profile_changes_reach_b(
    database: Database, queries: list[str]
) -> None:
    async with instance("postgres") as a, instance("postgres") as b:
        await _connected(a, b)
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        await a.auth.sessions.set_role(user_id, "admin")

        async def promoted() -> bool:
            session = await b.auth.sessions.lookup(token)
            return session is not None and session.user.role == "admin"

        await eventually(promoted)
        await User.update({User.name: "Ada L."}).where(User.id == user_id)
        await a.auth.sessions.user_changed(user_id)

        async def renamed() -> bool:
            return await b.whoami(token) == "Ada L."

        await eventually(renamed)


@pytest.mark.parametrize("path", ["sign_out", "sign_out_everywhere", "revoke_session"])
async def test_redis_revocation_on_a_is_refused_on_b_within_a_second(
    database: Database, queries: list[str], path: str
) -> None:
    require_redis()
    async with instance(REDIS_URL) as a, instance(REDIS_URL) as b:
        await _connected(a, b)
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        await REVOCATIONS[path](a, user_id, token)
        await _refused_within_a_second(b, token)


async def _bypassed_on(b: Instance, token: str, queries: list[str]) -> None:
    """B answers for ``token`` by reading the database every time."""
    for _ in range(2):
        queries.clear()
        assert await b.whoami(token) == "Ada"
        assert len(queries) >= 1


async def _outage(b: Instance, user_id: int, token: str, queries: list[str]) -> str:
    """With B's channel just broken: B stops caching, honours at once a revocation whose
    notification it missed, and reads every call from the database; returns a fresh token."""

    async def bypassed() -> bool:
        return b.auth.sessions.cache is not None and not b.auth.sessions.cache.enabled

    await eventually(bypassed)
    await Session.delete().where(Session.user == user_id)  # no notification at all
    assert await b.whoami(token) is None
    _, fresh = await sign_in_user("ada2@example.com")
    await _bypassed_on(b, fresh, queries)
    return fresh


async def _reconnected(b: Instance, within: float) -> None:
    async def back() -> bool:
        return b.channel.connections == 2

    await eventually(back, within=within)


async def test_a_lost_redis_channel_turns_the_cache_off_until_it_is_back(
    database: Database, queries: list[str], private_redis: PrivateRedis
) -> None:
    async with instance(private_redis.url) as b:
        await _connected(b)
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        private_redis.stop()
        fresh = await _outage(b, user_id, token, queries)
        private_redis.start()
        await _reconnected(b, within=10)
        await _cached_on(b, fresh, queries)


async def test_a_redis_server_that_stops_answering_turns_the_cache_off(
    database: Database, queries: list[str], private_redis: PrivateRedis
) -> None:
    async with instance(private_redis.url) as b:
        await _connected(b)
        b.channel.check_interval = 0.2  # the liveness check, and how long it may take
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        private_redis.freeze()  # connections stay open, nothing is answered

        async def bypassed() -> bool:
            return b.auth.sessions.cache is not None and not b.auth.sessions.cache.enabled

        await eventually(bypassed, within=3)
        await Session.delete().where(Session.user == user_id)
        assert await b.whoami(token) is None


async def test_signing_out_works_while_redis_is_down(
    database: Database, private_redis: PrivateRedis
) -> None:
    async with instance(private_redis.url) as a:
        await _connected(a)
        user_id, token = await sign_in_user()
        private_redis.stop()
        await a.call(session_actions.leave, token, everywhere=True)  # publishing fails: logged
        assert await Session.count().where(Session.user == user_id) == 0
        assert await a.whoami(token) is None


@on_postgres
async def test_a_terminated_postgres_listener_turns_the_cache_off_until_it_is_back(
    database: Database, queries: list[str]
) -> None:
    async with instance("postgres") as b:
        await _connected(b)
        b.channel.retry_delay = 1.0  # a second of outage to look at
        user_id, token = await sign_in_user()
        await _cached_on(b, token, queries)
        await Session.raw(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = {} AND datname = current_database()",
            LISTENER_NAME,
        )
        fresh = await _outage(b, user_id, token, queries)
        await _reconnected(b, within=5)
        await _cached_on(b, fresh, queries)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_an_unreachable_channel_leaves_the_cache_off_with_one_log_line(
    database: Database, queries: list[str]
) -> None:
    logger, seen = logging.getLogger("authstage.auth"), _Records()
    level, logger.level = logger.level, logging.DEBUG
    logger.addHandler(seen)
    try:
        async with instance(f"redis://127.0.0.1:{free_port()}/0") as b:
            b.channel.retry_delay = b.channel.max_retry_delay = 0.05

            async def retried() -> bool:
                return sum("reconnect failed" in r.getMessage() for r in seen.records) >= 3

            await eventually(retried, within=5)
            _, token = await sign_in_user()
            await _bypassed_on(b, token, queries)
    finally:
        logger.removeHandler(seen)
        logger.setLevel(level)
    warnings = [r.getMessage() for r in seen.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot reach" in warnings[0]


async def test_a_channel_naming_nothing_is_refused_at_startup(database: Database) -> None:
    bad = AuthConfig(session_cache_channel="mysql://db").build(production=False)
    with pytest.raises(ConfigurationError, match="session_cache_channel must be"):
        await bad.start()
    if database.config.kind == "sqlite":
        misplaced = AuthConfig(session_cache_channel="postgres").build(production=False)
        with pytest.raises(ConfigurationError, match="needs the app's database to be PostgreSQL"):
            await misplaced.start()


def test_negative_cache_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="cannot be negative"):
        AuthConfig(session_cache_size=-1).build(production=False)
