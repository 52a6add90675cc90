"""Uploads (bytes, file objects, ``File``) and sessions (the client keeps its cookies)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from authstage_client import (
    AsyncClient,
    File,
    PayloadTooLargeError,
    ProfileIn,
    SignupIn,
    UnauthorizedError,
    UploadInfo,
)

from tests.integration.proxy import Proxy
from tests.live_server import LiveServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def test_bytes_upload_with_other_arguments(client: AsyncClient) -> None:
    info = await client.upload_file(PNG, caption="raw bytes")
    assert info == UploadInfo(
        filename="file",
        content_type="application/octet-stream",
        size=len(PNG),
        checksum=hashlib.blake2b(PNG, digest_size=16).hexdigest(),
        caption="raw bytes",
    )


async def test_a_file_object_keeps_its_name_and_guessed_type(
    client: AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "picture.png"
    path.write_bytes(PNG)
    with path.open("rb") as fh:
        info = await client.upload_file(fh)
    assert (info.filename, info.content_type, info.caption) == ("picture.png", "image/png", "")
    named = await client.upload_file(File(b"a,b\n", filename="t.csv", content_type="text/csv"))
    assert (named.filename, named.content_type, named.size) == ("t.csv", "text/csv", 4)


async def test_upload_limits_come_back_as_errors(client: AsyncClient) -> None:
    with pytest.raises(PayloadTooLargeError) as too_big_file:
        await client.upload_file(b"x" * (600 << 10))  # over the action's 512 KiB per file
    assert too_big_file.value.field_errors == {"file": ["The file is larger than 524288 bytes"]}
    with pytest.raises(PayloadTooLargeError):
        await client.upload_file(b"x" * (2 << 20))  # over the 1 MiB body limit
    with pytest.raises(TypeError, match="binary"):
        await client.upload_file("not bytes")  # type: ignore[arg-type]


async def test_the_client_keeps_its_session_cookie(client: AsyncClient, unique: str) -> None:
    with pytest.raises(UnauthorizedError):
        await client.secret_number()
    await client.signup(
        SignupIn(email=f"{unique}@example.com", password="long enough pw", name="Bo")
    )
    assert "authstage_session" in client.cookies
    assert await client.secret_number() == 42
    profile = await client.update_profile(ProfileIn(name="Bo Diddley", bio="guitar"))
    assert (profile.email, profile.name, profile.bio) == (
        f"{unique}@example.com",
        "Bo Diddley",
        "guitar",
    )
    await client.logout()
    with pytest.raises(UnauthorizedError):
        await client.secret_number()


async def test_cookies_an_action_sets_come_back_on_the_next_call(client: AsyncClient) -> None:
    assert await client.recall() is None
    await client.remember("ada")
    assert await client.recall() == "ada"


async def test_the_client_can_point_at_any_base_url(server: LiveServer) -> None:
    async with Proxy(server.url) as proxy, AsyncClient(proxy.url + "/") as client:
        assert proxy.url != server.url
        assert await client.add(20, 22) == 42
    async with AsyncClient(server.url, action_path="_action/") as client:
        assert await client.add(1, 1) == 2
