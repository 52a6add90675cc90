"""Storage through obstore: a local folder by default, memory:// here, the same API for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from authstage import Storage, UploadedFile
from authstage.errors import ValidationFailed
from tests.unit.imagefiles import PNG


@pytest.fixture(params=["memory", "folder"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    url = "memory:///" if request.param == "memory" else (tmp_path / "store").as_uri()
    return Storage(url, public_url="https://cdn.example/u")


async def test_save_read_open_and_delete(storage: Storage) -> None:
    upload = UploadedFile.from_bytes("../../etc/passwd.png", "text/plain", PNG)
    stored = await storage.save(upload, prefix="docs/")
    assert stored.key.startswith("docs/") and stored.key.endswith(".png")
    assert ".." not in stored.key  # the client's name is never the key
    assert (stored.size, stored.type) == (len(PNG), "image/png")
    assert stored.url == f"https://cdn.example/u/{stored.key}"
    assert await storage.read(stored.key) == PNG
    assert b"".join([chunk async for chunk in storage.open(stored.key)]) == PNG
    await storage.delete(stored.key)
    assert not await storage.exists(stored.key)
    await storage.delete(stored.key)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        await storage.read(stored.key)


async def test_save_image_stores_the_reencoded_image(storage: Storage) -> None:
    stored = await storage.save_image(UploadedFile.from_bytes("a.png", "image/png", PNG))
    assert stored.type == "image/webp" and stored.key.endswith(".webp")
    assert (await storage.read(stored.key))[8:12] == b"WEBP"


async def test_a_refused_image_stores_nothing(tmp_path: Path) -> None:
    storage = Storage((tmp_path / "store").as_uri())
    with pytest.raises(ValidationFailed):
        await storage.save_image(UploadedFile.from_bytes("x.png", "image/png", b"#!/bin/sh\n"))
    assert not any((tmp_path / "store").rglob("*.*"))


def test_the_default_is_a_local_folder_and_the_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AUTHSTAGE_STORAGE_URL", raising=False)
    assert Storage().url == "uploads"
    monkeypatch.setenv("AUTHSTAGE_STORAGE_URL", "memory:///")
    assert type(Storage().store).__name__ == "MemoryStore"
