"""redirect(), revalidation, and what the caller is told."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from authstage.navigation import safe_target
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import build_app


@pytest.mark.parametrize("target", ["/", "/posts", "/posts?page=2#top", "/a/b/c"])
def test_safe_targets(target: str) -> None:
    assert safe_target(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.com",
        "//evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "posts",
        "javascript:alert(1)",
        "/x\r\nSet-Cookie: a=b",
        "",
        "http:/evil.com",
    ],
)
def test_unsafe_targets(target: str) -> None:
    assert safe_target(target) is None


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
