"""Errors through the generated Python client: one class per error code, with the field and
form errors, digest and status the server sent; a stale client is told so."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from authstage_client import (
    AsyncClient,
    ConflictError,
    ForbiddenError,
    InternalError,
    NewNote,
    NotFoundError,
    SignupIn,
    StaleClientError,
    UnauthorizedError,
    ValidationError,
)

from actions.app import ACTION_MODULES
from authstage import action
from authstage.codegen.files import generate
from authstage.keys import KeyRing
from authstage.registry import Registry
from tests.live_server import LiveServer


async def test_a_validation_error_names_each_failing_field(client: AsyncClient) -> None:
    with pytest.raises(ValidationError) as info:
        await client.create_note(NewNote(title="", body="x" * 10_001))
    error = info.value
    assert (error.code, error.status, error.action) == (
        "VALIDATION",
        422,
        "actions.notes.create_note",
    )
    assert error.field_errors == {
        "title": ["Must not be empty"],
        "body": ["Must be at most 10000 characters"],
    }
    assert error.form_errors == []


async def test_an_error_for_the_whole_form_is_a_form_error(client: AsyncClient) -> None:
    with pytest.raises(ValidationError) as info:
        await client.confirm_password("long enough", "something else")
    assert info.value.form_errors == ["The passwords do not match"]
    assert info.value.field_errors == {}
    with pytest.raises(ValidationError) as short:
        await client.confirm_password("short", "short")
    assert short.value.field_errors == {"password": ["Must be at least 8 characters"]}


async def test_each_error_code_raises_its_own_class(client: AsyncClient, unique: str) -> None:
    with pytest.raises(UnauthorizedError) as unauthorized:
        await client.secret_number()
    assert unauthorized.value.status == 401
    with pytest.raises(NotFoundError) as missing:
        await client.get_note(2**31 - 1)
    assert (missing.value.code, missing.value.message) == ("NOT_FOUND", "No note with this ID")
    account = SignupIn(email=f"{unique}@example.com", password="correct horse battery", name="Ann")
    await client.signup(account)
    with pytest.raises(ForbiddenError):
        await client.list_users()  # signed in, not an admin
    with pytest.raises(ConflictError) as taken:
        await client.signup(account)
    assert taken.value.field_errors == {"email": ["Already registered"]}


async def test_an_unexpected_failure_shows_only_a_digest(client: AsyncClient) -> None:
    with pytest.raises(InternalError) as info:
        await client.crash()
    assert info.value.message == "Internal error"
    assert info.value.status == 500
    assert info.value.digest is not None and len(info.value.digest) == 16
    assert "on purpose" not in str(info.value)


@action(public=True, name="actions.showcase.retired")
async def retired() -> int:
    """An action an old version of the app had."""
    return 1


@pytest.fixture(scope="module")
def old_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """A client generated from an older version of the app, which had one more action."""
    root = tmp_path_factory.mktemp("old")
    keys = KeyRing.from_strings("any-secret-0123456789abcdef0123456789abc")
    registry = Registry([*ACTION_MODULES, retired], keys)
    generate(registry, root / "ts", root / "py", python_package="old_client").write()
    sys.path.insert(0, str(root / "py"))
    try:
        yield importlib.import_module("old_client")
    finally:
        sys.path.remove(str(root / "py"))
        for name in [m for m in sys.modules if m.startswith("old_client")]:
            del sys.modules[name]


async def test_a_stale_client_gets_the_stale_client_error(
    old_client: Any, server: LiveServer
) -> None:
    seen: list[str] = []
    async with old_client.AsyncClient(server.url, on_stale=seen.append) as client:
        assert await client.add(1, 1) == 2  # actions both versions have still work
        with pytest.raises(old_client.StaleClientError) as info:
            await client.retired()
    assert info.value.code == "STALE_CLIENT"
    assert "regenerate" in info.value.message
    async with AsyncClient(server.url) as current:
        assert seen == [(await current.manifest()).contract]
    assert seen[0] != old_client.CONTRACT
    assert issubclass(old_client.StaleClientError, old_client.NotFoundError)
    assert StaleClientError is not old_client.StaleClientError  # two separate packages
