"""Calling actions through the generated Python client: typed results, defaults, hints,
parallel calls and batches."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import pytest
from authstage_client import (
    AsyncClient,
    BadRequestError,
    Client,
    Event,
    NewNote,
    NoteOut,
    NotFoundError,
    Revalidation,
    Scheduled,
)

from tests.live_server import LiveServer


async def test_a_call_returns_its_typed_result(client: AsyncClient) -> None:
    assert await client.add(2, 40) == 42
    note = await client.create_note(NewNote(title="Typed", body="result"))
    assert isinstance(note, NoteOut)
    assert isinstance(note.created_at, dt.datetime)
    assert await client.get_note(note.id) == note


async def test_structs_with_dates_literals_and_defaults_round_trip(client: AsyncClient) -> None:
    starts = dt.datetime(2030, 5, 17, 9, 30, tzinfo=dt.UTC)
    scheduled = await client.schedule(Event(title="Standup", starts_at=starts, tags=["daily"]))
    assert isinstance(scheduled, Scheduled)
    assert scheduled.event == Event(
        title="Standup", starts_at=starts, kind="meeting", tags=["daily"]
    )
    assert (scheduled.weekday, scheduled.day) == ("Friday", dt.date(2030, 5, 17))


async def test_arguments_left_out_take_the_servers_default(client: AsyncClient) -> None:
    for i in range(3):
        await client.create_note(NewNote(title=f"default {i}"))
    assert len(await client.list_notes(limit=1)) == 1
    assert len(await client.list_notes()) >= 3


def test_the_blocking_client_calls_the_same_actions(server: LiveServer) -> None:
    with Client(server.url) as client:
        assert client.add(1, 2) == 3
        assert client.create_note(NewNote(title="sync")).title == "sync"


async def test_redirects_and_revalidations_reach_the_hooks(server: LiveServer, unique: str) -> None:
    redirects: list[tuple[str, str]] = []
    revalidations: list[tuple[Revalidation, str]] = []
    async with AsyncClient(
        server.url,
        on_redirect=lambda target, action: redirects.append((target, action)),
        on_revalidate=lambda change, action: revalidations.append((change, action)),
    ) as client:
        await client.go_to("/dashboard")  # returns None: the target goes to the hook
        assert await client.bump(unique) == 1
    assert redirects == [("/dashboard", "actions.showcase.go_to")]
    assert revalidations == [
        (Revalidation(paths=["/counters"], tags=["counters"]), "actions.showcase.bump")
    ]


async def test_a_redirect_off_the_site_is_refused(client: AsyncClient) -> None:
    with pytest.raises(BadRequestError, match="same-origin"):
        await client.go_to("https://elsewhere.example/")


async def test_calls_run_in_parallel(client: AsyncClient) -> None:
    await client.manifest()
    start = time.perf_counter()
    results = await asyncio.gather(*(client.sleep(0.4) for _ in range(4)))
    elapsed = time.perf_counter() - start
    assert results == [0.4] * 4
    assert elapsed < 1.2, f"4 calls of 0.4 s took {elapsed:.2f} s: they were queued"


async def test_batch_mode_sends_the_calls_of_one_turn_as_one_request(
    server: LiveServer, unique: str
) -> None:
    posts: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        if request.method == "POST":
            posts.append(request)

    async with AsyncClient(server.url, batch=True) as client:
        client.http.event_hooks["request"].append(count)
        added, bumped, slept, missing = await asyncio.gather(
            client.add(1, 2),
            client.bump(unique, by=3),
            client.sleep(0.1),
            client.get_note(2**31 - 1),
            return_exceptions=True,
        )
        assert (added, bumped, slept) == (3, 3, 0.1)
        assert isinstance(missing, NotFoundError)
        assert len(posts) == 1
        assert posts[0].headers["authstage-batch"] == "1"
        assert await client.add(5, 5) == 10  # a lone call goes as an ordinary call
        assert "authstage-batch" not in posts[1].headers
