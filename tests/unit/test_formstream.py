"""Multipart bodies parsed as they stream in: spooled files, limits hit while reading."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.types import HTTPRequestEvent

from authstage.errors import BadRequest, PayloadTooLarge, ValidationFailed
from authstage.formstream import read_multipart
from authstage.testing import ActionClient
from authstage.uploads import SPOOL_SIZE, FileRule
from tests.unit import sample_actions as sa
from tests.unit.imagefiles import PNG

PARAMS = {"boundary": "b"}
CHUNK = 64 * 1024


def file_part(name: str, filename: str, content: bytes) -> bytes:
    head = f'--b\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
    return head.encode() + b"Content-Type: image/png\r\n\r\n" + content + b"\r\n"


class Receive:
    """An ASGI ``receive`` over ``body`` in chunks, counting the bytes it handed out."""

    def __init__(self, body: bytes, chunk: int = CHUNK) -> None:
        self.chunks: Iterator[bytes] = (body[i : i + chunk] for i in range(0, len(body), chunk))
        self.total = len(body)
        self.sent = 0

    async def __call__(self) -> HTTPRequestEvent:
        chunk = next(self.chunks, b"")
        self.sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": self.sent < self.total}


async def test_a_large_file_is_spooled_to_disk_not_held_in_memory() -> None:
    content = PNG + b"\0" * (4 * SPOOL_SIZE)
    receive = Receive(file_part("avatar", "a.png", content) + b"--b--\r\n")
    form = await read_multipart(receive, None, 10 << 20, PARAMS)
    (file,) = form.files["avatar"]
    spool = file.file
    assert getattr(spool, "_rolled", None) is True  # on disk past SPOOL_SIZE
    assert (file.size, file.detected_type, file.data) == (len(content), "image/png", content)
    form.close()
    assert spool.closed


async def test_a_file_over_its_rule_is_refused_before_the_body_is_read() -> None:
    body = file_part("avatar", "a.png", PNG + b"\0" * (1 << 20)) + b"--b--\r\n"
    receive = Receive(body)
    with pytest.raises(PayloadTooLarge) as refused:
        await read_multipart(receive, None, 4 << 20, PARAMS, {"avatar": sa.PNG_RULE})
    assert refused.value.field_errors == {"avatar": ["The file is larger than 65536 bytes"]}
    assert receive.sent <= (64 << 10) + 2 * CHUNK  # the rest of the megabyte was never read


def temp_files_open() -> int:
    """How many files under the temporary directory this process holds open."""
    folder, count = tempfile.gettempdir(), 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(folder)
        except FileNotFoundError:  # the descriptor listdir itself used
            continue
    return count


async def test_a_refused_file_on_disk_leaves_no_temporary_file_open() -> None:
    rule = FileRule(max_size=2 * SPOOL_SIZE)
    body = file_part("f", "f.bin", b"x" * (4 * SPOOL_SIZE)) + b"--b--\r\n"
    before = temp_files_open()
    receive = Receive(body)
    with pytest.raises(PayloadTooLarge):
        await read_multipart(receive, None, 10 << 20, PARAMS, {"f": rule})
    assert receive.sent < len(body)
    assert temp_files_open() == before  # the spool had rolled over to disk, and is closed


async def test_a_script_renamed_png_is_refused_as_soon_as_it_is_read() -> None:
    script = b"#!/bin/sh\n" + b"echo owned\n" * 2000
    body = file_part("avatar", "avatar.png", script) + b"--b--\r\n"
    receive = Receive(body, chunk=4096)
    with pytest.raises(ValidationFailed) as refused:
        await read_multipart(receive, None, 1 << 20, PARAMS, {"avatar": sa.PNG_RULE})
    assert refused.value.field_errors["avatar"][0].startswith("The file type unknown")
    assert receive.sent < len(body)


async def test_the_body_limit_applies_while_streaming_and_to_content_length() -> None:
    body = file_part("f", "f.bin", b"x" * (1 << 20)) + b"--b--\r\n"
    with pytest.raises(PayloadTooLarge, match="limit of 100000 bytes"):
        await read_multipart(Receive(body), None, 100_000, PARAMS)
    receive = Receive(body)
    with pytest.raises(PayloadTooLarge):
        await read_multipart(receive, str(len(body)).encode(), 100_000, PARAMS)
    assert receive.sent == 0


async def test_a_truncated_multipart_body_is_a_bad_request() -> None:
    body = file_part("f", "f.bin", b"x" * 200_000)  # no closing boundary
    with pytest.raises(BadRequest, match="Malformed multipart body"):
        await read_multipart(Receive(body), None, 1 << 20, PARAMS)


async def test_ten_thousand_parts_are_refused_fast(actions: ActionClient) -> None:
    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="p%d"\r\n\r\nx\r\n' % i for i in range(10_000)
    )
    started = time.perf_counter()
    response = await actions.client.post(
        "/_action",
        content=parts + b"--b--\r\n",
        headers={
            "authstage-action": actions.id_of(sa.upload),
            "content-type": "multipart/form-data; boundary=b",
        },
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "Too many form parts (at most 1000)"
    assert time.perf_counter() - started < 1.0
    assert sa.CALLS["upload"] == 0


async def test_a_truncated_body_through_the_endpoint_is_400(actions: ActionClient) -> None:
    response = await actions.client.post(
        "/_action",
        content=file_part("avatar", "a.png", PNG),
        headers={
            "authstage-action": actions.id_of(sa.ruled_upload),
            "content-type": "multipart/form-data; boundary=b",
        },
    )
    assert response.status_code == 400
    assert sa.CALLS["ruled_upload"] == 0


async def test_a_no_js_form_applies_the_rules_named_by_its_action_field(
    actions: ActionClient,
) -> None:
    files = {"avatar": ("a.png", b"GIF89a" + b"\0" * 100, "image/png")}
    response = await actions.form(sa.ruled_upload, {}, files=files, referer=None)
    assert response.status_code == 422
    assert "avatar" in response.json()["error"]["fieldErrors"]
    ok = await actions.form(sa.ruled_upload, {}, files={"avatar": ("a", PNG, "x/y")}, referer=None)
    assert ok.status_code < 400
    assert sa.CALLS["ruled_upload"] == 1


async def test_a_file_input_left_empty_is_no_file(actions: ActionClient) -> None:
    empty = b'--b\r\nContent-Disposition: form-data; name="avatar"; filename=""\r\n'
    empty += b"Content-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n"
    receive = Receive(empty)
    form = await read_multipart(receive, None, 1 << 20, PARAMS, {"avatar": sa.PNG_RULE})
    assert form.files == {}
    response = await actions.client.post(
        "/_action",
        content=empty,
        headers={
            "authstage-action": actions.id_of(sa.ruled_upload),
            "content-type": "multipart/form-data; boundary=b",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"avatar": ["Required"]}


async def test_a_no_js_form_whose_file_is_refused_goes_back_to_its_page(
    actions: ActionClient, client: Any
) -> None:
    files = {"avatar": ("a.png", b"#!/bin/sh\nrm -rf /\n", "image/png")}
    page = "http://testserver.local/page"
    response = await actions.form(sa.ruled_upload, {}, files=files, referer=page)
    assert response.status_code == 303
    assert response.headers["location"] == "/page"
    shown = (await client.get("/page")).json()
    assert shown["ok"] is False and list(shown["errors"]) == ["avatar"]
    assert "not allowed" in shown["errors"]["avatar"][0]
    assert sa.CALLS["ruled_upload"] == 0
