"""A file over its limit is refused while it streams in, against the live uvicorn server.

The client writes the request by hand on a socket: headers and the first part of the body,
then it waits for the reply before sending the rest. The reply (413) arrives while most of
the body is still on the client's side, so the server cannot have read it.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

from authstage.ids import action_id
from tests.live_server import SECRET, LiveServer

BOUNDARY = "streamtest"
LIMIT = 512 << 10  # actions.showcase.upload_file's FileRule


def _read_reply(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_file_over_its_rule_gets_413_before_the_rest_is_sent(server: LiveServer) -> None:
    url = urlsplit(server.url)
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    content = b"x" * (1000 << 10)  # under the 1 MiB body limit, over the 512 KiB file rule
    body = head + content + tail
    request = (
        f"POST /_action HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authstage-Action: {action_id('actions.showcase.upload_file', SECRET.encode())}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    first = LIMIT + (64 << 10)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request + body[:first])
        reply = _read_reply(sock)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"The file is larger than 524288 bytes" in reply
    # the server still answers on a new connection (nothing was left half-read)
    assert httpx.get(f"{server.url}/_action/manifest").status_code == 200
