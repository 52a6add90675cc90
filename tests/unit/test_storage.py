"""Storage through obstore, the same API on every shape: a local folder (the default), S3 (a
real S3 API served by moto's server on a free port, as production's bucket would be) and memory.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import obstore
import pytest
from moto.server import ThreadedMotoServer

from authstage import Storage, UploadedFile
from authstage.errors import ValidationFailed
from tests.live_server import free_port
from tests.unit.imagefiles import PNG


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """An S3 server on a free port with one bucket, ``uploads``."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        httpx.put(f"{endpoint}/uploads").raise_for_status()
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(params=["folder", "s3", "memory"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Storage:
    url = {"folder": (tmp_path / "store").as_uri(), "memory": "memory:///"}.get(request.param)
    if request.param == "s3":  # configured as in production: the AWS_* variables
        endpoint = request.getfixturevalue("s3_endpoint")
        for name, value in {
            "AWS_ENDPOINT": endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        url = "s3://uploads/app"
    assert url is not None
    return Storage(url, public_url="https://cdn.example/u")


async def test_save_read_open_and_delete(storage: Storage) -> None:
    upload = UploadedFile.from_bytes("../../etc/passwd.png", "text/plain", PNG)
    stored = await storage.save(upload, prefix="docs/")
    assert stored.key.startswith("docs/") and stored.key.endswith(".png")
    assert ".." not in stored.key  # the client's name is never the key
    assert (stored.size, stored.type) == (len(PNG), "image/png")
    assert stored.url == f"https://cdn.example/u/{stored.key}"
    assert await storage.read(stored.key) == PNG
    if not storage.url.startswith("file:"):  # a folder keeps no attributes; stores do
        result = await obstore.get_async(storage.store, stored.key)
        assert result.attributes["Content-Type"] == "image/png"
    assert b"".join([chunk async for chunk in storage.open(stored.key)]) == PNG
    await storage.delete(stored.key)
    assert not await storage.exists(stored.key)
    await storage.delete(stored.key)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        await storage.read(stored.key)


async def test_a_file_larger_than_a_part_is_stored_whole(storage: Storage) -> None:
    content = PNG + bytes(range(256)) * (48 << 10)  # 12 MiB: several parts on every store
    stored = await storage.save(UploadedFile.from_bytes("big.png", "image/png", content))
    assert stored.size == len(content)
    assert await storage.read(stored.key) == content


async def test_put_stores_bytes_or_a_file_the_server_made(storage: Storage) -> None:
    stored = await storage.put("exports/1.json", b'{"a": 1}', type="application/json")
    assert (stored.key, stored.size, stored.type) == ("exports/1.json", 8, "application/json")
    assert stored.url == "https://cdn.example/u/exports/1.json"
    assert await storage.read("exports/1.json") == b'{"a": 1}'
    body = io.BytesIO(b"skip:kept")
    body.seek(5)  # read from the file's position on
    assert (await storage.put("exports/2.bin", body)).size == 4
    assert await storage.read("exports/2.bin") == b"kept"


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
