"""Rate limits on memory and on Redis (Redis is required in CI)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import AsyncIterator
from inspect import isawaitable

import pytest

from authstage.errors import ConfigurationError, RateLimited, Unavailable
from authstage.ratelimit import RateLimiter, default_storage_uri
from tests.conftest import in_ci
from tests.live_server import free_port
from tests.unit.redis_server import PrivateRedis, private_redis

__all__ = ["private_redis"]  # fixtures used here

REDIS = os.environ.get("AUTHSTAGE_TEST_REDIS", "async+redis://127.0.0.1:6379/0")


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield RateLimiter("async+memory://")
        return
    limiter = RateLimiter(REDIS)
    try:
        checked = limiter.storage.check()
        alive = bool(await checked if isawaitable(checked) else checked)
    except Exception:
        alive = False
    if not alive:
        await limiter.close()
        message = f"Redis is unreachable at {REDIS}"
        if in_ci():
            pytest.fail(f"{message} (CI requires the redis suite)", pytrace=False)
        pytest.skip(message)
    yield limiter
    await limiter.close()


async def test_hits_over_the_rule_are_refused_with_retry_after(limiter: RateLimiter) -> None:
    key = secrets.token_hex(8)
    for _ in range(3):
        await limiter.hit("3/minute", "test", key)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("3/minute", "test", key)
    assert 1 <= info.value.retry_after <= 60
    assert info.value.headers["retry-after"] == str(info.value.retry_after)


async def test_keys_and_rules_do_not_share_counters(limiter: RateLimiter) -> None:
    key = secrets.token_hex(8)
    await limiter.hit("1/minute", "login", key)
    await limiter.hit("1/minute", "signup", key)
    await limiter.hit("1/minute", "login", key + "-other")
    with pytest.raises(RateLimited):
        await limiter.hit("1/minute", "login", key)


async def test_check_does_not_count(limiter: RateLimiter) -> None:
    key = secrets.token_hex(8)
    for _ in range(5):
        await limiter.check("1/minute", "c", key)
    await limiter.hit("1/minute", "c", key)
    with pytest.raises(RateLimited):
        await limiter.check("1/minute", "c", key)


def test_bad_rules_and_storages_fail_clearly() -> None:
    with pytest.raises(ConfigurationError, match="bad rate limit"):
        RateLimiter("async+memory://").rule("often")
    with pytest.raises(ConfigurationError, match="rate limit storage"):
        RateLimiter("carrier-pigeon://")


def test_storage_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTHSTAGE_RATE_LIMIT_STORAGE", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert default_storage_uri() == "async+memory://"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    assert default_storage_uri() == "async+redis://cache:6379/1"


@pytest.mark.redis
async def test_a_limiter_whose_redis_is_gone_answers_unavailable_within_its_timeout(
    private_redis: PrivateRedis,
) -> None:
    limiter = RateLimiter("async+" + private_redis.url, timeout=0.2)
    await limiter.start()
    await limiter.hit("5/minute", "login-ip", "192.0.2.1")
    private_redis.stop()
    started = time.monotonic()
    with pytest.raises(Unavailable) as info:
        await limiter.hit("5/minute", "login-ip", "192.0.2.1")
    assert time.monotonic() - started < 1
    assert info.value.status == 503
    assert info.value.headers["retry-after"] == "5"
    await limiter.close()


@pytest.mark.redis
async def test_a_limiter_set_to_fail_open_lets_calls_through_while_redis_is_gone_then_counts_again(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RateLimiter("async+" + private_redis.url, timeout=0.2, on_outage="open")
    await limiter.start()
    await limiter.hit("1/minute", "send", "ada")
    private_redis.stop()
    for _ in range(5):  # over the rule, but it cannot be checked: let through
        await limiter.hit("1/minute", "send", "ada")
        await limiter.check("1/minute", "send", "ada")
    private_redis.start()  # a fresh server: the counters start over
    await limiter.hit("1/minute", "send", "ada")
    with pytest.raises(RateLimited):  # counted again once Redis is back
        await limiter.hit("1/minute", "send", "ada")
    messages = [r.getMessage() for r in caplog.records if r.name == "authstage"]
    assert len(messages) == 2, messages  # one line when it went, one when it came back
    assert "go through unchecked" in messages[0]
    assert messages[1].startswith("rate limits is back")
    await limiter.close()


def test_failing_open_or_closed_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RateLimiter("async+memory://").on_outage == "closed"
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMITS_ON_OUTAGE", "open")
    assert RateLimiter("async+memory://").on_outage == "open"
    monkeypatch.setenv("AUTHSTAGE_RATE_LIMITS_ON_OUTAGE", "sometimes")
    with pytest.raises(ConfigurationError, match="use 'closed' \\(the default\\) or 'open'"):
        RateLimiter("async+memory://")


async def test_an_unreachable_redis_fails_start_in_one_line() -> None:
    limiter = RateLimiter(f"async+redis://:hunter2@127.0.0.1:{free_port()}/0")
    with pytest.raises(ConfigurationError, match="rate limits: cannot reach Redis") as info:
        await limiter.start()
    assert "\n" not in str(info.value)
    assert "hunter2" not in str(info.value)
    await RateLimiter("async+memory://").start()  # nothing to reach
