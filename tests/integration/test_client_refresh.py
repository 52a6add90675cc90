"""Single-flight refresh through the generated Python client: a mutation's reply brings back
the reads it revalidated, delivered to ``on_refresh``, in one request."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec
import pytest
from authstage_client import (
    AsyncClient,
    BadRequestError,
    Client,
    ForbiddenError,
    Fresh,
    ProfileIn,
    Query,
    SignupIn,
    TransportError,
    queries,
)
from authstage_client.protocol import ActionInfo
from authstage_client.refresh import read_fresh

from tests.live_server import LiveServer


class Cache:
    """A client-side cache fed by ``on_refresh``, as a page's data store would be."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Any] = {}
        self.heard: list[Fresh[Any]] = []

    def __call__(self, fresh: Fresh[Any]) -> None:
        self.heard.append(fresh)
        if fresh.error is None:
            self.values[fresh.query.key] = fresh.value


def counting_posts(client: AsyncClient) -> list[str]:
    posts: list[str] = []

    async def hook(request: httpx.Request) -> None:
        if request.method == "POST":
            posts.append(request.url.path)

    client.http.event_hooks["request"].append(hook)
    return posts


async def test_a_mutation_brings_back_the_reads_it_revalidated(
    server: LiveServer, unique: str
) -> None:
    cache = Cache()
    async with AsyncClient(server.url, on_refresh=cache) as client:
        posts = counting_posts(client)
        read = queries.counter(unique)
        assert await client.bump(unique, 4, refresh=[read]) == 4
        assert cache.values == {read.key: 4}
        assert len(posts) == 1  # the mutation and the read: one round trip
        assert read.key == ("actions.showcase.counter", f'{{"name":"{unique}"}}')


async def test_a_read_the_mutation_did_not_revalidate_is_not_rerun(
    server: LiveServer, unique: str
) -> None:
    cache = Cache()
    async with AsyncClient(server.url, on_refresh=cache) as client:
        assert await client.add(2, 40, refresh=[queries.counter(unique)]) == 42
        assert cache.heard == []


async def test_a_forbidden_read_is_refused_and_the_result_still_returned(
    server: LiveServer, unique: str
) -> None:
    cache = Cache()
    async with AsyncClient(server.url, on_refresh=cache) as client:
        email = f"{unique}@example.com"
        await client.signup(SignupIn(email=email, password="long enough pw", name="Bo"))
        profile = await client.update_profile(
            ProfileIn(name="Ada"), refresh=[queries.list_users(), queries.counter(unique)]
        )
        assert profile.name == "Ada"
        [refused] = cache.heard  # counter does not depend on /profile: not re-run
        assert isinstance(refused.error, ForbiddenError)  # list_users needs the admin role
        assert refused.refreshed and refused.value is None


async def test_a_read_that_cannot_be_refreshed_is_its_own_error(
    server: LiveServer, unique: str
) -> None:
    cache = Cache()
    undeclared = Query(ActionInfo[Any]("actions.notes.list_notes", Any), {"limit": 1, "q": "zä✓"})
    async with AsyncClient(server.url, on_refresh=cache) as client:
        assert await client.bump(unique, refresh=[undeclared, queries.counter(unique)]) == 1
        broken, fine = cache.heard
        assert isinstance(broken.error, BadRequestError)
        assert "declares no tags or paths" in broken.error.message
        assert fine.value == 1


async def test_batched_calls_each_carry_their_own_reads(server: LiveServer, unique: str) -> None:
    cache = Cache()
    async with AsyncClient(server.url, batch=True, on_refresh=cache) as client:
        posts = counting_posts(client)
        await client.manifest()
        bumped, added = await asyncio.gather(
            client.bump(unique, 3, refresh=[queries.counter(unique)]), client.add(1, 1)
        )
        assert (bumped, added) == (3, 2)
        assert cache.values == {queries.counter(unique).key: 3}
        assert len(posts) == 1


def test_the_blocking_client_refreshes_too(server: LiveServer, unique: str) -> None:
    cache = Cache()
    with Client(server.url, on_refresh=cache) as client:
        assert client.bump(unique, 2, refresh=[queries.counter(unique)]) == 2
        assert cache.values == {queries.counter(unique).key: 2}


def test_a_reply_whose_refresh_entries_do_not_match_is_a_transport_error() -> None:
    read = queries.counter("visits")
    with pytest.raises(TransportError, match="without 1 refresh entries"):
        read_fresh("actions.showcase.bump", [read], None)
    [bad] = read_fresh("actions.showcase.bump", [read], [msgspec.Raw(b'{"no": "envelope"}')])
    assert isinstance(bad.error, TransportError) and bad.refreshed
    [typed] = read_fresh("actions.showcase.bump", [read], [msgspec.Raw(b'{"ok":true,"data":"x"}')])
    assert isinstance(typed.error, TransportError)  # not the read's result type (int)
