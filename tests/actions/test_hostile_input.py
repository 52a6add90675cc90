"""Hostile text reaching the demo app's database actions: refused before anything runs.

On both engines: PostgreSQL cannot store a NUL character (the insert used to fail inside the
action, a 500 after signup had spent an argon2 hash); SQLite would keep it.
"""

from __future__ import annotations

import pytest

from actions import notes
from actions.tables import Note
from authstage.auth import User
from authstage.nul import NUL_MESSAGE
from authstage.testing import ActionClient
from tests.actions.conftest import db, error_of, signup
from tests.conftest import FAST_HASHER


async def test_signup_with_nul_in_the_name_is_422_before_hashing(
    actions: ActionClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real_hash = FAST_HASHER.hash

    async def counting_hash(password: str) -> str:  # the real hasher, counted
        hashed.append(password)
        return await real_hash(password)

    monkeypatch.setattr(FAST_HASHER, "hash", counting_hash)
    response = await signup(actions, name="Ada\x00Lovelace")
    assert response.status_code == 422
    assert error_of(response)["fieldErrors"] == {"name": [NUL_MESSAGE]}
    assert hashed == []
    assert await db(User.count()) == 0
    assert (await signup(actions, name="Ada Lovelace")).status_code == 200
    assert len(hashed) == 1


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
