"""The data cache: tags, paths, TTL, single flight, two instances over Redis, Redis failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import msgspec
import pytest
from litestar import Litestar, get
from litestar.config.app import AppConfig
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, ConfigurationError, Unavailable
from authstage.appstate import endpoint_of
from authstage.cache import Cache
from authstage.cachestore import cache_url_from_env
from authstage.config import ResolvedConfig
from authstage.testing import ActionClient
from tests.live_server import free_port
from tests.unit import cache_actions as ca
from tests.unit.conftest import SECRET
from tests.unit.redis_server import (
    REDIS_URL,
    PrivateRedis,
    private_redis,
    redis_namespace,
    require_redis,
)

__all__ = ["private_redis", "redis_namespace"]  # fixtures used here


class PostOut(msgspec.Struct):
    id: int
    title: str


RUNS: list[str] = []


async def load_posts(page: int = 1) -> list[PostOut]:
    """The uncached read: counts its runs, returns dicts (the annotation makes them PostOut)."""
    RUNS.append(f"posts:{page}")
    await asyncio.sleep(0.01)
    return [{"id": i, "title": t} for i, t in sorted(ca.POSTS.items())]  # type: ignore[misc]


async def load_post(post_id: int) -> PostOut:
    RUNS.append(f"post:{post_id}")
    return PostOut(post_id, ca.POSTS[post_id])


MakeCache = Callable[..., Cache]


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis-direct", marks=pytest.mark.redis),
    ]
)
async def make_cache(request: pytest.FixtureRequest) -> AsyncIterator[MakeCache]:
    """Started caches on one backend: memory, Redis with the local layer, Redis without it."""
    RUNS.clear()
    ca.POSTS.clear()
    ca.POSTS.update({1: "first", 2: "second"})
    made: list[Cache] = []
    namespace = ""
    if request.param != "memory":
        namespace = request.getfixturevalue("redis_namespace")

    def make(**options: Any) -> Cache:
        if request.param == "memory":
            cache = Cache("memory://", **options)
        else:
            cache = Cache(REDIS_URL, namespace=namespace, local=request.param == "redis", **options)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.close()


async def test_a_cached_read_runs_once_until_its_tag_is_revalidated(make_cache: MakeCache) -> None:
    cache = make_cache()
    posts = cache.cached(tags=["posts"])(load_posts)
    first = await posts()
    assert await posts() == first == [PostOut(1, "first"), PostOut(2, "second")]
    assert RUNS == ["posts:1"]
    await cache.invalidate(tags=["posts"])
    await posts()
    assert RUNS == ["posts:1", "posts:1"]


async def test_arguments_bound_to_the_signature_share_one_entry(make_cache: MakeCache) -> None:
    posts = make_cache().cached()(load_posts)
    await posts()
    await posts(1)
    await posts(page=1)
    await posts(2)
    assert RUNS == ["posts:1", "posts:2"]


async def test_tags_computed_from_arguments_invalidate_only_their_entry(
    make_cache: MakeCache,
) -> None:
    cache = make_cache()
    post = cache.cached(tags=lambda post_id: [f"post:{post_id}"])(load_post)
    await post(1)
    await post(2)
    await cache.invalidate(tags=["post:1"])
    assert await post(1) == PostOut(1, "first")
    await post(2)
    assert RUNS == ["post:1", "post:2", "post:1"]


async def test_revalidate_path_drops_entries_registered_under_it(make_cache: MakeCache) -> None:
    cache = make_cache()
    posts = cache.cached(paths=["/posts"])(load_posts)
    post = cache.cached(paths=lambda post_id: [f"/posts/{post_id}"])(load_post)
    await posts()
    await post(1)
    await cache.invalidate(paths=["/posts"])  # exact paths: /posts/1 is another page
    await posts()
    await post(1)
    assert RUNS == ["posts:1", "post:1", "posts:1"]


async def test_an_entry_expires_after_its_ttl(make_cache: MakeCache) -> None:
    posts = make_cache().cached(ttl=0.2)(load_posts)
    await posts()
    await posts()
    await asyncio.sleep(0.25)
    await posts()
    assert RUNS == ["posts:1", "posts:1"]


async def test_concurrent_misses_share_one_computation(make_cache: MakeCache) -> None:
    posts = make_cache().cached(tags=["posts"])(load_posts)
    results = await asyncio.gather(*(posts() for _ in range(20)))
    assert RUNS == ["posts:1"]
    assert all(r == results[0] for r in results)
    assert len({id(r) for r in results}) == 20  # each caller decodes its own copy


async def test_a_caller_after_an_invalidation_does_not_join_an_older_computation(
    make_cache: MakeCache,
) -> None:
    cache = make_cache()
    posts = cache.cached(tags=["posts"])(load_posts)
    before = asyncio.create_task(posts())
    await asyncio.sleep(0)  # the first computation has read the old data
    ca.POSTS[3] = "third"
    await cache.invalidate(tags=["posts"])
    after = await posts()
    assert PostOut(3, "third") in after
    await before
    assert len(RUNS) == 2
    assert await posts() == after  # the older computation's entry was stamped stale


async def test_a_cached_result_has_the_return_annotations_type(make_cache: MakeCache) -> None:
    posts = make_cache().cached()(load_posts)
    fresh, cached = await posts(), await posts()
    assert all(type(p) is PostOut for p in fresh + cached)


async def test_a_result_that_does_not_match_its_annotation_fails_on_the_first_call(
    make_cache: MakeCache,
) -> None:
    async def wrong() -> list[int]:
        return ["not", "ints"]  # type: ignore[list-item]

    with pytest.raises(msgspec.ValidationError):
        await make_cache().cached()(wrong)()


def test_decoration_errors_are_raised_at_import() -> None:
    cache = Cache("memory://")

    def sync() -> int:
        return 1

    async def unannotated():  # type: ignore[no-untyped-def]
        return 1

    with pytest.raises(ConfigurationError, match="only async"):
        cache.cached()(sync)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="return annotation"):
        cache.cached()(unannotated)
    with pytest.raises(ConfigurationError, match=r"unknown \['user_id'\]"):
        cache.cached(tags=lambda user_id: [str(user_id)])(load_posts)
    with pytest.raises(ConfigurationError, match="ttl"):
        cache.cached(ttl=0)

    async def forward() -> NotDefinedAnywhere:  # type: ignore[name-defined]  # noqa: F821
        raise AssertionError

    with pytest.raises(ConfigurationError, match="cannot resolve"):
        cache.cached()(forward)


def test_the_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTHSTAGE_CACHE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert cache_url_from_env() == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    assert cache_url_from_env() == "redis://cache:6379/2"
    monkeypatch.setenv("AUTHSTAGE_CACHE_URL", "memory://")
    assert cache_url_from_env() == "memory://"
    with pytest.raises(ConfigurationError, match="memory:// or redis://"):
        Cache("memcached://x")


# --- through an action, over HTTP ----------------------------------------------------------------


async def test_actions_revalidating_a_tag_and_a_path_invalidate_the_cache(
    make_cache: MakeCache,
) -> None:
    cache = make_cache()
    post = cache.cached(tags=lambda post_id: [f"post:{post_id}"])(load_post)
    posts = cache.cached(paths=["/posts"])(load_posts)

    @get("/posts")
    async def posts_page() -> list[PostOut]:  # a page handler reads the cache too
        return await posts()

    plugin = AuthstagePlugin(
        actions=[ca], secret=SECRET, production=False, on_revalidate=[cache.listener]
    )
    app = Litestar(route_handlers=[posts_page], plugins=[plugin], lifespan=[cache.lifespan])
    async with AsyncTestClient(app) as client:
        actions = ActionClient(client)
        assert (await client.get("/posts")).json()[0]["title"] == "first"
        assert (await post(1)).title == "first"
        response = await actions.call(ca.rename_post, post_id=1, title="renamed")
        assert response.json()["revalidate"]["tags"] == ["post:1"]
        assert (await post(1)).title == "renamed"
        assert (await client.get("/posts")).json()[0]["title"] == "first"  # not tagged post:1
        await actions.call(ca.add_post, title="third")
        titles = [p["title"] for p in (await client.get("/posts")).json()]
    assert titles == ["renamed", "second", "third"]
    assert RUNS == ["posts:1", "post:1", "post:1", "posts:1"]


async def test_the_plugin_wires_its_caches_and_a_manual_wiring_is_not_doubled(
    make_cache: MakeCache,
) -> None:
    cache = make_cache()
    post = cache.cached(tags=lambda post_id: [f"post:{post_id}"])(load_post)
    wired = AuthstagePlugin(actions=[ca], secret=SECRET, production=False, caches=[cache])
    twice = AuthstagePlugin(
        actions=[ca],
        secret=SECRET,
        production=False,
        caches=[cache],
        on_revalidate=[cache.listener],
    )
    for post_id, plugin in enumerate((wired, twice), start=1):
        lifespan = [cache.lifespan] if plugin is twice else []
        assert plugin.on_app_init(AppConfig(lifespan=list(lifespan))).lifespan == [cache.lifespan]
        app = Litestar(plugins=[plugin], lifespan=lifespan)
        config = endpoint_of(app).config
        assert isinstance(config, ResolvedConfig)
        assert config.on_revalidate.count(cache.listener) == 1
        async with AsyncTestClient(app) as client:
            ca.POSTS[post_id] = "first"
            assert (await post(post_id)).title == "first"
            await ActionClient(client).call(ca.rename_post, post_id=post_id, title="renamed")
            assert (await post(post_id)).title == "renamed"  # invalidated without manual wiring


def test_the_default_cache_joins_every_app_once_it_is_used() -> None:
    from authstage.cache import default_cache

    app = Litestar(plugins=[AuthstagePlugin(actions=[ca], secret=SECRET, production=False)])
    config = endpoint_of(app).config
    assert isinstance(config, ResolvedConfig)
    assert (default_cache in config.caches) is default_cache.in_use


# --- two instances over one Redis ----------------------------------------------------------------


async def eventually(check: Callable[[], Any], within: float = 2.0) -> None:
    """Await ``check()`` until it is truthy: a local copy is dropped when its message lands."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the other instance never saw the invalidation"
        await asyncio.sleep(0.01)


@pytest.mark.redis
@pytest.mark.parametrize("local", [True, False])
async def test_an_invalidation_through_one_instance_is_seen_by_the_other(
    redis_namespace: str, local: bool
) -> None:
    ca.POSTS.update({1: "first"})
    one = Cache(REDIS_URL, namespace=redis_namespace, local=local)
    two = Cache(REDIS_URL, namespace=redis_namespace, local=local)
    post_one = one.cached(tags=["posts"])(load_post)
    post_two = two.cached(tags=["posts"])(load_post)
    async with one.lifespan(), two.lifespan():
        RUNS.clear()
        await post_one(1)
        assert (await post_two(1)).title == "first"  # computed by one, read by two
        assert RUNS == ["post:1"]
        ca.POSTS[1] = "renamed"
        await one.invalidate(tags=["posts"])

        async def two_sees_it() -> bool:
            return (await post_two(1)).title == "renamed"

        await eventually(two_sees_it, within=0.01 if not local else 2.0)


@pytest.mark.redis
async def test_a_local_layer_whose_channel_drops_is_bypassed(redis_namespace: str) -> None:
    ca.POSTS.update({1: "first"})
    one = Cache(REDIS_URL, namespace=redis_namespace)
    two = Cache(REDIS_URL, namespace=redis_namespace)
    post_one = one.cached(tags=["posts"])(load_post)
    post_two = two.cached(tags=["posts"])(load_post)
    admin = require_redis()
    async with one.lifespan(), two.lifespan():
        await post_two(1)  # two keeps a local copy
        name = f"authstage-cache:{redis_namespace}"
        clients = cast("list[dict[str, Any]]", admin.client_list())  # redis 7's stubs: a union
        for client in clients:
            if client["name"] == name and "P" in client["flags"]:
                admin.client_kill_filter(_id=client["id"])  # the invalidation channels drop
        await asyncio.sleep(0.5)  # ... and the listeners notice
        ca.POSTS[1] = "renamed"
        await one.invalidate(tags=["posts"])  # two cannot be told, so it must not trust copies
        assert (await post_two(1)).title == "renamed"
        assert (await post_one(1)).title == "renamed"
    admin.close()


# --- Redis failing ----------------------------------------------------------------------------


async def test_unreachable_redis_at_startup_is_one_configuration_error_line() -> None:
    cache = Cache(f"redis://user:hunter2@127.0.0.1:{free_port()}/0")
    with pytest.raises(ConfigurationError, match="cache: cannot reach") as info:
        await cache.start()
    assert "\n" not in str(info.value)
    assert "hunter2" not in str(info.value)
    app = Litestar(lifespan=[cache.lifespan])  # the app does not start
    with pytest.RaisesGroup(pytest.RaisesExc(ConfigurationError, match="cache: cannot reach")):
        async with AsyncTestClient(app):
            pass


@pytest.mark.redis
@pytest.mark.parametrize("local", [True, False])
async def test_reads_compute_fresh_within_the_timeout_when_redis_fails_mid_request(
    private_redis: PrivateRedis, local: bool
) -> None:
    ca.POSTS.update({1: "first"})
    cache = Cache(private_redis.url, local=local, timeout=0.2)
    post = cache.cached(tags=["posts"])(load_post)
    async with cache.lifespan():
        RUNS.clear()
        await post(1)
        await post(1)
        assert RUNS == ["post:1"]
        if not local:  # a stalled server: every read waits at most the timeout, then computes
            stall = private_redis.stall(2)
            await asyncio.sleep(0.2)
            started = time.monotonic()
            assert (await post(1)).title == "first"
            assert time.monotonic() - started < 1.0
            assert RUNS == ["post:1", "post:1"]
            stall.wait(5)
        private_redis.stop()  # a dead server: the local layer is dropped, reads compute fresh
        await asyncio.sleep(0.3)
        ca.POSTS[1] = "renamed"
        started = time.monotonic()
        assert (await post(1)).title == "renamed"
        assert time.monotonic() - started < 1.0
        with pytest.raises(Unavailable) as info:
            await cache.invalidate(tags=["posts"])
        assert info.value.status == 503
        assert info.value.headers["retry-after"]
        private_redis.start()  # back: entries are kept again, with no restart of the app

        async def served_from_the_cache() -> bool:
            await post(1)
            runs = len(RUNS)
            await post(1)
            return len(RUNS) == runs

        await eventually(served_from_the_cache)


@pytest.mark.redis
async def test_an_action_whose_invalidation_cannot_reach_redis_answers_503(
    private_redis: PrivateRedis,
) -> None:
    ca.POSTS.update({1: "first"})
    cache = Cache(private_redis.url, timeout=0.2)
    plugin = AuthstagePlugin(
        actions=[ca], secret=SECRET, production=False, on_revalidate=[cache.listener]
    )
    app = Litestar(plugins=[plugin], lifespan=[cache.lifespan])
    async with AsyncTestClient(app) as client:
        private_redis.stop()
        started = time.monotonic()
        response = await ActionClient(client).call(ca.rename_post, post_id=1, title="renamed")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "UNAVAILABLE"
    assert response.headers["retry-after"] == "5"
    assert ca.POSTS[1] == "renamed"  # the action's own write stands
