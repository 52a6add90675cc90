"""Hostile text reaching the demo app's database actions: refused before anything runs.

On both engines: PostgreSQL cannot store a NUL character (the insert used to fail inside the
action, a 500 after signup had spent an argon2 hash); SQLite would keep it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from actions import notes
from actions.app import create_app
from actions.tables import Note
from authstage.auth import AuthConfig, PasswordHasher, User
from authstage.nul import NUL_MESSAGE
from authstage.testing import ActionClient
from tests.actions.conftest import db, error_of, signup
from tests.conftest import TEST_SECRET


class CountingHasher(PasswordHasher):
    """The real (fast) hasher, counting the hashes it computes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.hashed = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return await super().hash(password)


@pytest.fixture
async def counted(
    database_url: str, database: object
) -> AsyncIterator[tuple[ActionClient, CountingHasher]]:
    hasher = CountingHasher()
    app = create_app(
        database_url=database_url,
        auth=AuthConfig(hasher=hasher, rate_limit_storage="async+memory://"),
        secret=TEST_SECRET,
        production=False,
        debug=False,
    )
    async with AsyncTestClient(app) as client:
        yield ActionClient(client), hasher


async def test_signup_with_nul_in_the_name_is_422_before_hashing(
    counted: tuple[ActionClient, CountingHasher],
) -> None:
    actions, hasher = counted
    response = await signup(actions, name="Ada\x00Lovelace")
    assert response.status_code == 422
    assert error_of(response)["fieldErrors"] == {"name": [NUL_MESSAGE]}
    assert hasher.hashed == 0
    assert await db(User.count()) == 0
    assert (await signup(actions, name="Ada Lovelace")).status_code == 200
    assert hasher.hashed == 1


async def test_note_with_nul_is_422_and_writes_nothing(actions: ActionClient) -> None:
    response = await actions.call(notes.create_note, data={"title": "a\x00b", "body": "ok"})
    assert response.status_code == 422
    assert error_of(response)["fieldErrors"] == {"title": [NUL_MESSAGE]}
    response = await actions.form(notes.create_note, {"title": "ok", "body": "x\x00"}, referer=None)
    assert response.status_code == 422
    assert error_of(response)["fieldErrors"] == {"body": [NUL_MESSAGE]}
    assert await db(Note.count()) == 0
    created = await actions.call(notes.create_note, data={"title": "fine", "body": "text"})
    assert created.json()["ok"] is True
    assert await db(Note.count()) == 1
