"""The note actions through ``POST /_action``, on both engines (see ``database_url``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from actions import notes
from actions.tables import Note
from authstage.appstate import endpoint_of

Client = AsyncTestClient[Litestar]


async def call(
    client: Client, app: Litestar, fn: Callable[..., Any], **arguments: Any
) -> httpx.Response:
    """Call the action ``fn`` the way a JavaScript client does."""
    action_id = endpoint_of(app).registry.id_of(fn)
    return await client.post("/_action", json=arguments, headers={"authstage-action": action_id})


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True
    return body["data"]


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


async def count_notes() -> int:
    """Rows in ``note``, read on a fresh connection from the test's own event loop."""
    return await Note.count().run(in_pool=False)  # type: ignore[no-any-return]


async def test_create_then_get_and_list(db_client: Client, db_app: Litestar) -> None:
    created = ok(
        await call(db_client, db_app, notes.create_note, data={"title": "Hi", "body": "B"})
    )
    assert created["title"] == "Hi"
    assert created["body"] == "B"
    assert isinstance(created["id"], int)
    assert datetime.fromisoformat(created["created_at"]).tzinfo is not None
    fetched = ok(await call(db_client, db_app, notes.get_note, note_id=created["id"]))
    assert fetched == created
    assert ok(await call(db_client, db_app, notes.list_notes)) == [created]
    assert await count_notes() == 1


async def test_list_is_newest_first_and_limited(db_client: Client, db_app: Litestar) -> None:
    for i in range(3):
        ok(await call(db_client, db_app, notes.create_note, data={"title": f"n{i}"}))
    titles = [n["title"] for n in ok(await call(db_client, db_app, notes.list_notes, limit=2))]
    assert titles == ["n2", "n1"]
    assert len(ok(await call(db_client, db_app, notes.list_notes))) == 3


async def test_body_defaults_to_empty(db_client: Client, db_app: Litestar) -> None:
    created = ok(await call(db_client, db_app, notes.create_note, data={"title": "only"}))
    assert created["body"] == ""


async def test_missing_note_is_not_found(db_client: Client, db_app: Litestar) -> None:
    error(await call(db_client, db_app, notes.get_note, note_id=123456), 404, "NOT_FOUND")


async def test_note_id_outside_the_key_range_is_a_validation_error(
    db_client: Client, db_app: Litestar
) -> None:
    for note_id in (0, 2**31, 2**40):
        err = error(
            await call(db_client, db_app, notes.get_note, note_id=note_id), 422, "VALIDATION"
        )
        assert "note_id" in err["fieldErrors"]


async def test_title_over_200_characters_is_refused_and_nothing_is_written(
    db_client: Client, db_app: Litestar
) -> None:
    response = await call(db_client, db_app, notes.create_note, data={"title": "x" * 201})
    err = error(response, 422, "VALIDATION")
    assert err["fieldErrors"]["title"] == ["Must be at most 200 characters"]
    assert await count_notes() == 0
    ok(await call(db_client, db_app, notes.create_note, data={"title": "x" * 200}))
    assert await count_notes() == 1


async def test_other_invalid_notes_write_nothing(db_client: Client, db_app: Litestar) -> None:
    for data in ({"title": ""}, {"body": "no title"}, {"title": "t", "extra": 1}, {"title": 5}):
        error(await call(db_client, db_app, notes.create_note, data=data), 422, "VALIDATION")
    assert await count_notes() == 0


async def test_list_limit_is_bounded(db_client: Client, db_app: Litestar) -> None:
    for limit in (0, 101):
        err = error(await call(db_client, db_app, notes.list_notes, limit=limit), 422, "VALIDATION")
        assert "limit" in err["fieldErrors"]
