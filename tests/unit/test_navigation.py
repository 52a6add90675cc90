"""redirect(), revalidation, and what the caller is told."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from authstage.navigation import MAX_TARGET_LENGTH, RedirectSignal, redirect, safe_target
from authstage.testing import ActionClient
from tests.node_tools import require_node, run
from tests.unit import sample_actions as sa
from tests.unit.conftest import build_app

#: Hostile targets: other origins, and paths a browser or a decoding server reads as one.
HOSTILE = [
    "https://evil.com",
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "posts",
    "javascript:alert(1)",
    "/x\r\nSet-Cookie: a=b",
    "/\t/evil.com",
    "",
    "http:/evil.com",
    "/%2F%2Fevil.com",
    "/%2f/evil.com",
    "/%5Cevil.com",
    "/%09/evil.com",
    "/" + "a" * MAX_TARGET_LENGTH,
]


@pytest.mark.parametrize("target", ["/", "/posts", "/posts?page=2#top", "/a/b/c"])
def test_safe_targets(target: str) -> None:
    assert safe_target(target) == target


@pytest.mark.parametrize("target", HOSTILE)
def test_unsafe_targets(target: str) -> None:
    assert safe_target(target) is None


@pytest.mark.parametrize(
    ("target", "encoded"),
    [
        ("/€", "/%E2%82%AC"),
        ("/café?q=ü&x=a b#sec", "/caf%C3%A9?q=%C3%BC&x=a%20b#sec"),
        ("/100%", "/100%25"),
        ("/a%2Fb?q=%E2%82%AC", "/a%2Fb?q=%E2%82%AC"),
        ('/a<b>"', "/a%3Cb%3E%22"),
    ],
)
def test_targets_are_percent_encoded_keeping_reserved_characters_and_escapes(
    target: str, encoded: str
) -> None:
    assert safe_target(target) == encoded
    assert safe_target(encoded) == encoded  # encoding twice changes nothing


def test_accepted_targets_stay_on_the_origin_in_a_whatwg_url_parser() -> None:
    """Node's URL is the WHATWG parser browsers use: what we accept never leaves the site, and
    the encoded slashes we refuse anyway would stay too (refused for decoding servers)."""
    accepted = [safe_target(t) for t in ["/€", "/a%2Fb", "/x?next=//evil.com", "/;//evil.com"]]
    refused = ["/%2F%2Fevil.com", "/%5Cevil.com", "/%09/evil.com"]
    script = (
        "const targets = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(targets.map(t => new URL(t, 'http://site.test/').origin)))"
    )
    out = run([require_node(), "-e", script, json.dumps([*accepted, *refused])])
    assert set(json.loads(out)) == {"http://site.test"}
    assert all(safe_target(t) is None for t in refused)
    # ...while the raw forms a browser rewrites do leave: the reason they are refused.
    raw = run([require_node(), "-e", script, json.dumps(["/\\evil.com", "/\t/evil.com"])])
    assert set(json.loads(raw)) == {"http://evil.com"}


async def test_js_caller_gets_the_encoded_target_in_the_envelope(actions: ActionClient) -> None:
    response = await actions.call(sa.go_elsewhere, target="/€?q=ü")
    assert response.status_code == 200
    assert response.json()["redirect"] == "/%E2%82%AC?q=%C3%BC"


async def test_no_js_form_gets_303_with_an_encoded_location(actions: ActionClient) -> None:
    response = await actions.form(sa.go_elsewhere, {"target": "/€?q=ü"})
    assert response.status_code == 303
    assert response.headers["location"] == "/%E2%82%AC?q=%C3%BC"


async def test_no_js_form_goes_back_to_a_non_ascii_referer_encoded(actions: ActionClient) -> None:
    page = "http://testserver.local/caf%C3%A9?q=%E2%82%AC"
    response = await actions.form(sa.go_elsewhere, {"target": "nope"}, referer=page)
    assert (response.status_code, response.headers["location"]) == (303, "/caf%C3%A9?q=%E2%82%AC")
    raw = await actions.client.post(  # raw UTF-8 in the header: still an ASCII Location
        "/_action",
        data={"_action": actions.id_of(sa.go_elsewhere), "target": "nope"},
        headers={b"referer": "http://testserver.local/café".encode()},
        follow_redirects=False,
    )
    assert raw.status_code == 303
    assert raw.headers["location"].isascii()


@pytest.mark.parametrize("target", HOSTILE)
async def test_hostile_redirect_targets_are_refused_for_both_callers(
    actions: ActionClient, target: str
) -> None:
    for response in [
        await actions.call(sa.go_elsewhere, target=target),
        await actions.form(sa.go_elsewhere, {"target": target}, referer=None),
    ]:
        assert response.status_code == 400, target
        assert "location" not in response.headers
        assert response.json()["error"]["code"] == "BAD_REQUEST"
    back = await actions.form(sa.go_elsewhere, {"target": target})  # back to its page instead
    assert (back.status_code, back.headers["location"]) == (303, "/")


def test_an_unsafe_target_goes_to_the_fallback() -> None:
    for target, landed in [("//evil.com", "/home"), ("", "/home"), ("/€", "/%E2%82%AC")]:
        with pytest.raises(RedirectSignal) as signal:
            redirect(target, fallback="/home")
        assert signal.value.target == landed


async def test_js_caller_gets_redirect_in_envelope(actions: ActionClient) -> None:
    response = await actions.call(sa.go_dashboard)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "data": None, "redirect": "/dashboard"}


async def test_revalidation_is_reported_and_broadcast() -> None:
    heard: list[Any] = []

    async def listener(paths: list[str], tags: list[str]) -> None:
        heard.append((paths, tags))

    async with AsyncTestClient(build_app(on_revalidate=[listener])) as client:
        response = await ActionClient(client).call(
            sa.create_post, data={"title": "t", "content": "ccc"}
        )
    assert response.json()["revalidate"] == {"paths": ["/posts"], "tags": ["posts"]}
    assert heard == [(["/posts"], ["posts"])]
