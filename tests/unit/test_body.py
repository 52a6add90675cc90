"""Body limits: enforced from Content-Length and while the body streams."""

from __future__ import annotations

from typing import Any

import pytest

from authstage.body import ClientDisconnected, read_body
from authstage.errors import BadRequest, PayloadTooLarge
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa


def receiver(*chunks: bytes, disconnect: bool = False) -> Any:
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    if disconnect:
        messages[-1]["more_body"] = True
        messages.append({"type": "http.disconnect"})
    received: list[int] = []

    async def receive() -> dict[str, Any]:
        received.append(1)
        return messages.pop(0)

    receive.received = received  # type: ignore[attr-defined]
    return receive


async def test_reads_chunked_body() -> None:
    assert await read_body(receiver(b"ab", b"cd", b""), None, 10) == b"abcd"


async def test_declared_length_over_limit_reads_nothing() -> None:
    receive = receiver(b"x" * 100)
    with pytest.raises(PayloadTooLarge):
        await read_body(receive, b"100", 10)
    assert receive.received == []


async def test_streamed_body_stops_at_the_limit() -> None:
    receive = receiver(b"x" * 6, b"x" * 6, b"x" * 6, b"x" * 6)
    with pytest.raises(PayloadTooLarge):
        await read_body(receive, None, 10)
    assert len(receive.received) == 2  # stopped as soon as the limit was crossed


async def test_bad_content_length_and_disconnect() -> None:
    with pytest.raises(BadRequest):
        await read_body(receiver(b""), b"ten", 10)
    with pytest.raises(ClientDisconnected):
        await read_body(receiver(b"ab", disconnect=True), None, 10)


async def test_oversize_body_is_413_over_http(actions: ActionClient) -> None:
    response = await actions.call(sa.tiny, text="x" * 100)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sa.CALLS["tiny"] == 0


async def test_default_limit_is_one_mebibyte(actions: ActionClient) -> None:
    response = await actions.call(sa.free_json, payload={"x": "y" * (1 << 20)})
    assert response.status_code == 413
    ok = await actions.call(sa.free_json, payload={"x": "y" * 1000})
    assert ok.json()["data"] == 1


async def test_per_action_override_allows_bigger_uploads(actions: ActionClient) -> None:
    big = b"\x89PNG" + b"0" * (2 << 20)
    response = await actions.form(
        sa.upload, {}, files={"avatar": ("a.png", big, "image/png")}, referer=None
    )
    assert response.status_code == 200, response.text


async def test_form_over_its_actions_limit_is_413(actions: ActionClient) -> None:
    response = await actions.form(sa.tiny, {"text": "x" * 500}, referer=None)
    assert response.status_code == 413
    assert sa.CALLS["tiny"] == 0
