"""Cancellation and idempotent retries against the live server, through the generated client.

A cancelled task closes its connection and the server cancels the action before it records
anything. A mutation sent with an idempotency key runs once, however often it is sent: when
its reply is lost on the way (the proxy drops it), the client retries and the server replays.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from authstage_client import AsyncClient, Client, TransportError

from tests.integration.proxy import Proxy
from tests.live_server import LiveServer


async def test_cancelling_the_task_cancels_the_servers_work(
    client: AsyncClient, unique: str
) -> None:
    call = asyncio.create_task(client.wait_then_record(unique, 1.0))
    await asyncio.sleep(0.3)
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await call
    await asyncio.sleep(1.2)  # past the moment the action would have recorded the tag
    assert await client.was_recorded(unique) is False
    assert await client.wait_then_record(unique, 0.1) == unique  # left alone, it records
    assert await client.was_recorded(unique) is True


async def test_cancelling_every_call_of_a_batch_cancels_the_batch(
    server: LiveServer, unique: str
) -> None:
    async with AsyncClient(server.url, batch=True) as client:
        await client.manifest()
        calls = [
            asyncio.ensure_future(client.wait_then_record(f"{unique}-{i}", 1.0)) for i in range(3)
        ]
        await asyncio.sleep(0.3)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        await asyncio.sleep(1.2)
        recorded = await asyncio.gather(*(client.was_recorded(f"{unique}-{i}") for i in range(3)))
    assert recorded == [False, False, False]


async def test_a_repeated_key_returns_the_first_result(client: AsyncClient, unique: str) -> None:
    first = await client.bump(unique, by=2, idempotency_key=f"{unique}-key")
    again = await client.bump(unique, by=2, idempotency_key=f"{unique}-key")
    assert first == again == 2
    assert await client.counter(unique) == 2
    assert await client.bump(unique, idempotency_key=f"{unique}-other") == 3


async def test_concurrent_duplicates_run_once(client: AsyncClient, unique: str) -> None:
    key = f"{unique}-key"
    results = await asyncio.gather(*(client.bump(unique, idempotency_key=key) for _ in range(5)))
    assert results == [1] * 5
    assert await client.counter(unique) == 1


async def test_a_mutation_whose_reply_is_lost_is_retried_and_runs_once(
    server: LiveServer, unique: str
) -> None:
    async with Proxy(server.url) as proxy, AsyncClient(proxy.url) as client:
        await client.manifest()
        proxy.drop_replies = 1
        assert await client.bump(unique, by=5, idempotency_key=f"{unique}-key") == 5
        assert proxy.drop_replies == 0  # the first reply was lost indeed
        assert await client.counter(unique) == 5  # ran once, although sent twice


async def test_without_a_key_a_lost_reply_is_a_transport_error(
    server: LiveServer, unique: str
) -> None:
    async with Proxy(server.url) as proxy, AsyncClient(proxy.url) as client:
        await client.manifest()
        proxy.drop_replies = 1
        with pytest.raises(TransportError, match="no reply"):
            await client.bump(unique)  # not retried: it might run twice
        assert await client.counter(unique) == 1


def test_the_blocking_client_retries_keyed_calls_too(server: LiveServer, unique: str) -> None:
    async def scenario() -> int:
        async with Proxy(server.url) as proxy:
            with Client(proxy.url) as client:
                await asyncio.to_thread(client.manifest)
                proxy.drop_replies = 1
                value = await asyncio.to_thread(client.bump, unique, idempotency_key=unique)
                assert value == 1
                return await asyncio.to_thread(client.counter, unique)

    assert asyncio.run(scenario()) == 1


async def test_a_server_restarted_with_another_secret_is_followed(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory, unique: str
) -> None:
    from tests.live_server import serve

    other = "rotated-secret-0123456789abcdef0123456789abcd"
    with serve(tmp_path_factory.mktemp("rotated"), secret=other) as restarted:
        async with Proxy(server.url) as proxy, AsyncClient(proxy.url) as client:
            old = await client.manifest()
            proxy.move_to(restarted.url)  # the same address, now answering with other IDs
            await asyncio.sleep(0.2)  # the restart takes a moment; old connections are gone
            assert await client.bump(unique) == 1  # STALE_CLIENT, new manifest, retried once
            assert (await client.manifest()).actions != old.actions
