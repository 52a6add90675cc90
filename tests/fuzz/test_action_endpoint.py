"""Random JSON, form, multipart, batch and header shapes at ``POST /_action``, with valid IDs.

Whatever arrives, the reply must be an answer, not a crash: never a 5xx; a JSON envelope (or a
303 to a same-origin path for a no-JS form); every refusal's code in the documented table
(``authstage.errors.CODE_STATUS``) with the status that goes with it; no traceback or internal
path in a body (unless the request itself carried that text, which an error may quote back).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from authstage.errors import CODE_STATUS
from tests.fuzz.conftest import Target
from tests.fuzz.strategies import (
    CHARSETS,
    DEEP_SHAPES,
    DEPTHS,
    TYPED_ARGS,
    argument_objects,
    deep_body,
    encode_args,
    form_pairs,
    json_bodies,
    multipart_bodies,
    texts,
    urlencoded_bodies,
)

#: ``st.DrawFn`` or ``DataObject.draw``: what the helpers below draw with.
Draw = Callable[[st.SearchStrategy[Any]], Any]
MARKERS = (b"Traceback", b'.py"', b"/site-packages/", b"authstage/")
HOST = "testserver.local"
ORIGINS = [None, None, f"http://{HOST}", f"https://{HOST}", "null", "http://evil.example",
           f"http://{HOST}:81", "garbage"]  # fmt: skip
SITES = [None, "same-origin", "same-site", "cross-site", "none", "x"]
MEDIA_TYPES = ["application/json", "text/plain", "", "application/*", "application/json+x",
               "multipart/form-data", "application/x-www-form-urlencoded"]  # fmt: skip
REFERERS = [f"http://{HOST}/form", "http://evil.example/", "not a url", f"http://{HOST}"]


def check_envelope(envelope: Any, status: int | None) -> None:
    """One envelope: ``ok`` with data, or an error whose code is in the table."""
    assert isinstance(envelope, dict), envelope
    if envelope["ok"] is True:
        assert status in (None, 200), (status, envelope)
        return
    assert envelope["ok"] is False, envelope
    code = envelope["error"]["code"]
    assert code in CODE_STATUS and code != "INTERNAL", envelope
    assert isinstance(envelope["error"]["message"], str)
    if status is not None:
        assert CODE_STATUS[code] == status, (status, envelope)


def check(response: Any, sent: bytes) -> None:
    """The assertions every fuzzed reply must pass."""
    status = response.status_code
    assert status < 500, (status, response.content[:500])
    body = response.content
    for marker in MARKERS:
        assert marker not in body or marker in sent, (marker, body[:500])
    if status == 303:
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        return
    assert response.headers["content-type"].startswith("application/json"), response.headers
    envelope = msgspec.json.decode(body)
    check_envelope(envelope, status)
    for result in envelope.get("results", []):
        check_envelope(result, None)


def wire(headers: dict[str, bytes]) -> dict[bytes, bytes]:
    return {name.encode(): value for name, value in headers.items()}


def post(target: Target, body: bytes, headers: dict[str, bytes]) -> None:
    response = target.client.post(
        "/_action", content=body, headers=wire(headers), follow_redirects=False
    )
    check(response, body + b"".join(headers.values()))


@st.composite
def extra_headers(draw: st.DrawFn, target: Target) -> dict[str, bytes]:
    """Origin, fetch metadata, manifest, bound token, idempotency key, Content-Length lies.

    Mostly what a real caller sends (so calls get through to decoding and the action), and
    one time in four anything from the hostile lists.
    """
    headers: dict[str, bytes] = {}
    hostile = draw(st.integers(0, 3)) == 0
    origin = draw(st.sampled_from(ORIGINS if hostile else [None, f"http://{HOST}"]))
    if origin is not None:
        headers["origin"] = origin.encode()
    site = draw(st.sampled_from(SITES if hostile else [None, "same-origin"]))
    if site is not None:
        headers["sec-fetch-site"] = site.encode()
    if draw(st.integers(0, 3)) == 0:
        manifest = [target.endpoint.registry.manifest, "old", ""]
        headers["authstage-manifest"] = draw(st.sampled_from(manifest)).encode()
    if draw(st.integers(0, 5)) == 0:
        token = draw(st.sampled_from([target.bound_token, target.bound_token[:-2], "x", ""]))
        headers["authstage-bound"] = token.encode()
    if draw(st.integers(0, 3)) == 0:
        headers["idempotency-key"] = draw(
            st.binary(max_size=40).filter(lambda key: not {13, 10, 0} & set(key))
            | st.sampled_from([b"k1", b"k2", b"x" * 300])
        )
    if hostile and draw(st.booleans()):
        headers["content-length"] = draw(st.sampled_from([b"0", b"1", b"99999999", b"-1", b"x"]))
    if draw(st.booleans()):
        headers["referer"] = draw(st.sampled_from(REFERERS if hostile else REFERERS[:1])).encode()
    return headers


def action_header(draw: Draw, target: Target, name: str) -> bytes:
    """Mostly the ID of ``name``; sometimes another valid one, forged, empty or garbage."""
    if draw(st.integers(0, 4)):
        return target.ids[name].encode()
    other: bytes = draw(
        st.sampled_from(target.all_ids).map(str.encode)
        | st.sampled_from([b"0" * 42, b"", b"not-an-id", target.all_ids[0].upper().encode()])
    )
    return other


def content_type(draw: Draw, base: str) -> bytes:
    """``base``, sometimes with random parameters: charsets, quotes, case, junk."""
    if draw(st.integers(0, 2)):
        return base.encode()
    value: str = draw(st.sampled_from([base, base.upper(), f" {base} "]))
    for _ in range(draw(st.integers(0, 2))):
        value += draw(st.sampled_from(["; charset=", ";charset=", "; foo=", ";", "; boundary="]))
        value += draw(st.sampled_from(CHARSETS) | texts.filter(str.isascii))
    return value.encode("latin-1", "replace")


actions = st.sampled_from(sorted(TYPED_ARGS))


@given(data=st.data(), name=actions)
def test_json_calls(target: Target, data: st.DataObject, name: str) -> None:
    headers = data.draw(extra_headers(target))
    headers["authstage-action"] = action_header(data.draw, target, name)
    headers["content-type"] = content_type(data.draw, "application/json")
    body = data.draw(TYPED_ARGS[name].map(encode_args) | json_bodies())
    post(target, body, headers)


@given(data=st.data(), name=actions)
def test_urlencoded_posts_with_and_without_the_header(
    target: Target, data: st.DataObject, name: str
) -> None:
    headers = data.draw(extra_headers(target))
    pairs = form_pairs(data.draw(TYPED_ARGS[name]))
    if data.draw(st.booleans()):
        headers["authstage-action"] = action_header(data.draw, target, name)
    else:
        pairs.append(("_action", action_header(data.draw, target, name).decode()))
    if "authstage-bound" in headers and data.draw(st.booleans()):
        pairs.append(("_bound", headers.pop("authstage-bound").decode()))
    headers["content-type"] = content_type(data.draw, "application/x-www-form-urlencoded")
    post(target, data.draw(urlencoded_bodies(pairs)), headers)


@given(data=st.data(), name=actions)
def test_multipart_posts(target: Target, data: st.DataObject, name: str) -> None:
    headers = data.draw(extra_headers(target))
    args = data.draw(TYPED_ARGS[name])
    files = ["file"] if args.pop("file", None) is not None else []  # sent as a file part
    files += ["more"] * data.draw(st.integers(0, 2)) if name == "upload" else []
    pairs = form_pairs(args)
    if data.draw(st.booleans()):
        headers["authstage-action"] = action_header(data.draw, target, name)
    else:
        pairs.append(("_action", action_header(data.draw, target, name).decode()))
    boundary, body = data.draw(multipart_bodies(pairs, files))
    quoted = data.draw(st.booleans())
    value = f'multipart/form-data; boundary="{boundary}"' if quoted else (
        f"multipart/form-data; boundary={boundary}")  # fmt: skip
    if data.draw(st.integers(0, 4)) == 0:
        value += "; charset=" + data.draw(st.sampled_from(CHARSETS))
    headers["content-type"] = value.encode("utf-8")
    post(target, body, headers)


@given(data=st.data())
def test_batches(target: Target, data: st.DataObject) -> None:
    headers = data.draw(extra_headers(target))
    headers["authstage-batch"] = data.draw(st.sampled_from([b"1", b"1", b"0", b""]))
    headers["content-type"] = content_type(data.draw, "application/json")

    @st.composite
    def call(draw: st.DrawFn) -> dict[str, Any]:
        name = draw(actions)
        one: dict[str, Any] = {"action": action_header(draw, target, name).decode()}
        if draw(st.integers(0, 5)):
            one["args"] = draw(TYPED_ARGS[name] | argument_objects)
        if draw(st.integers(0, 5)) == 0:
            one["bound"] = draw(st.sampled_from([target.bound_token, "x"]))
        if draw(st.integers(0, 3)) == 0:
            one["idempotencyKey"] = draw(texts)
        if draw(st.integers(0, 20)) == 0:
            one["other"] = 1
        return one

    calls = st.lists(call(), max_size=40).map(lambda calls: encode_args({"calls": calls}))
    post(target, data.draw(calls | json_bodies()), headers)


@given(data=st.data())
def test_header_shapes_on_a_valid_call(target: Target, data: st.DataObject) -> None:
    headers = data.draw(extra_headers(target))
    headers["authstage-action"] = action_header(data.draw, target, "scalars")
    media = data.draw(st.sampled_from(MEDIA_TYPES))
    headers["content-type"] = content_type(data.draw, media)
    method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE"]))
    body = b'{"a": 1, "b": 2.5, "c": "x", "d": true}'
    response = target.client.request(
        method, "/_action", content=body, headers=wire(headers), follow_redirects=False
    )
    check(response, body + b"".join(headers.values()))


@pytest.mark.parametrize("form", [False, True], ids=["json", "args"])
@pytest.mark.parametrize("shape", DEEP_SHAPES)
@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_nesting_as_json_and_as_args(
    target: Target, depth: int, shape: str, form: bool
) -> None:
    for name in ("free", "tree", "scalars", "collections"):
        body = deep_body(depth, "root" if name == "tree" else "payload", shape)
        headers = {"authstage-action": target.ids[name].encode()}
        if form:
            response = target.client.post(
                "/_action", data={"_args": body.decode()}, headers=wire(headers)
            )
        else:
            headers["content-type"] = b"application/json"
            response = target.client.post("/_action", content=body, headers=wire(headers))
        check(response, body)
        assert response.status_code in (200, 400, 413, 422), response.content[:300]


class RawReply:
    """The parts of an ASGI reply ``check`` reads."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        start = messages[0]
        self.status_code: int = start["status"]
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        self.content = b"".join(m.get("body", b"") for m in messages[1:])


@given(data=st.data(), name=actions)
def test_bodies_streamed_in_chunks_or_cut_off(
    target: Target, data: st.DataObject, name: str
) -> None:
    # Straight to the ASGI app, below the test client: chunked bodies, lying Content-Length,
    # and clients that go away mid-body (nothing may be sent then, and nothing may break).
    json = data.draw(st.booleans())
    if json:
        body = data.draw(TYPED_ARGS[name].map(encode_args))
        headers = [(b"content-type", b"application/json")]
    else:
        body = data.draw(urlencoded_bodies(form_pairs(data.draw(TYPED_ARGS[name]))))
        headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    headers.append((b"authstage-action", target.ids[name].encode()))
    length = data.draw(st.sampled_from([None, len(body), len(body) + 1, max(len(body) - 1, 0)]))
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=4)))
    chunks = [body[i:j] for i, j in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    disconnect_after = data.draw(st.none() | st.integers(0, len(chunks)))
    events: list[dict[str, Any]] = []
    for i, chunk in enumerate(chunks):
        if i == disconnect_after:
            break
        events.append({"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1})
    if disconnect_after is not None and disconnect_after < len(chunks):
        events.append({"type": "http.disconnect"})
    scope = {
        "type": "http", "method": "POST", "path": "/_action", "raw_path": b"/_action",
        "root_path": "", "scheme": "http", "query_string": b"", "http_version": "1.1",
        "headers": [(b"host", HOST.encode()), *headers], "client": ("fuzz", 1),
        "server": (HOST, 80), "app": target.client.app,
    }  # fmt: skip
    sent: list[dict[str, Any]] = []
    cut_off = disconnect_after is not None and disconnect_after < len(chunks)

    async def receive() -> dict[str, Any]:
        if events:
            return events.pop(0)
        if cut_off:
            return {"type": "http.disconnect"}
        await asyncio.sleep(3600)  # a client still waiting for its answer
        raise AssertionError("the endpoint waited for a message that never comes")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with target.client.portal() as portal:
        portal.call(cast(Any, target.endpoint), scope, receive, send)
    if cut_off and not sent:
        return  # the client went away before its body arrived: nothing to answer
    check(RawReply(sent), body)
