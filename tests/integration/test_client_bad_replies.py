"""Bad input from the network: whatever comes back, the client raises a clear
``TransportError`` (what came back, and from which call), never a parse crash."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from authstage_client import AsyncClient, Client, TransportError

from tests.integration.badserver import BadServer, http_reply

HTML = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


def envelope(value: object) -> bytes:
    return json.dumps(value).encode()


JSON = "application/json"
BAD_REPLIES = {
    "html-502": (http_reply("502 Bad Gateway", "text/html", HTML), 502, "502 with text/html"),
    "not-json": (http_reply("200 OK", JSON, b"{not json"), 200, "not an action reply"),
    "not-an-envelope": (http_reply("200 OK", JSON, b"[1, 2]"), 200, "does not match"),
    "wrong-type": (
        http_reply("200 OK", JSON, envelope({"ok": True, "data": "forty-two"})),
        200,
        "does not match this client's types",
    ),
    "failure-without-error": (
        http_reply("500 Internal Server Error", JSON, envelope({"ok": False})),
        500,
        "without an error",
    ),
    "connection-dropped": (None, None, "no reply"),
    "truncated-body": (http_reply("200 OK", JSON, b'{"ok": tr', length=200), None, "no reply"),
}


@pytest.mark.parametrize(("reply", "status", "says"), BAD_REPLIES.values(), ids=BAD_REPLIES.keys())
async def test_a_reply_that_is_not_the_protocol_is_a_transport_error(
    reply: bytes | None, status: int | None, says: str
) -> None:
    async with BadServer(reply) as url, AsyncClient(url) as client:
        with pytest.raises(TransportError, match=says) as info:
            await client.add(1, 2)
    assert info.value.action == "actions.demo.add"
    assert info.value.status == status


async def test_an_unknown_error_code_is_a_transport_error_that_keeps_the_code() -> None:
    body = envelope({"ok": False, "error": {"code": "TEAPOT", "message": "short and stout"}})
    teapot = http_reply("418 I'm a teapot", "application/json", body)
    async with BadServer(teapot) as url, AsyncClient(url) as client:
        with pytest.raises(TransportError, match="unknown error code 'TEAPOT'") as info:
            await client.add(1, 2)
    assert (info.value.code, info.value.status) == ("TEAPOT", 418)
    assert "short and stout" in str(info.value)


async def test_a_manifest_that_is_not_one_is_a_transport_error() -> None:
    page = http_reply("200 OK", "text/html", HTML)
    async with BadServer(None, manifest=page) as url, AsyncClient(url) as client:
        with pytest.raises(TransportError, match="not a manifest"):
            await client.add(1, 2)


async def test_a_batch_answered_by_a_proxy_page_fails_every_call() -> None:
    reply = http_reply("502 Bad Gateway", "text/html", HTML)
    async with BadServer(reply) as url, AsyncClient(url, batch=True) as client:
        results = await asyncio.gather(client.add(1, 2), client.bump("x"), return_exceptions=True)
    assert [type(r) for r in results] == [TransportError, TransportError]
    assert all("502 with text/html" in str(r) for r in results)


async def test_a_server_that_is_not_there_is_a_transport_error() -> None:
    async with AsyncClient("http://127.0.0.1:9") as client:
        with pytest.raises(TransportError, match="no reply"):
            await client.add(1, 2)


def test_the_blocking_client_reports_bad_replies_the_same_way() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = BadServer(http_reply("502 Bad Gateway", "text/html", HTML))
    url = asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result()
    try:
        with Client(url) as client, pytest.raises(TransportError, match="502 with text/html"):
            client.add(1, 2)
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def test_a_malformed_result_in_a_batch_fails_only_its_own_call() -> None:
    body = envelope({"ok": True, "results": [{"ok": "yes"}, {"ok": True, "data": 3}]})
    reply = http_reply("200 OK", JSON, body)
    async with BadServer(reply) as url, AsyncClient(url, batch=True) as client:
        first, second = await asyncio.gather(
            client.bump("x"), client.add(1, 2), return_exceptions=True
        )
    assert isinstance(first, TransportError)
    assert "not an envelope" in str(first)
    assert second == 3
