"""Error pages: browsers asking for a page get HTML, every other caller the JSON as before."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, NotFound, wants_page
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET

BROWSER = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "sec-fetch-dest": "document",
    "sec-fetch-mode": "navigate",
}
FETCH = {"accept": "text/html", "sec-fetch-dest": "empty", "sec-fetch-mode": "cors"}


@get("/private", sync_to_thread=False)
def private() -> str:
    raise PermissionDeniedException


@get("/posts/{post_id:int}", sync_to_thread=False)
def missing_post(post_id: FromPath[int]) -> str:
    raise NotFound(f"No post {post_id}")


@get("/boom", sync_to_thread=False)
def boom() -> str:
    raise RuntimeError("the database password is hunter2")


@get("/gone", sync_to_thread=False)
def gone() -> str:
    raise NotFoundException("That page moved")


@post("/only-post", sync_to_thread=False)
def only_post() -> str:
    return "posted"


HANDLERS = [private, missing_post, boom, gone, only_post]


def make_app(templates: Path | None, **config: Any) -> Litestar:
    template_config = None
    if templates is not None:
        template_config = TemplateConfig(directory=templates, engine=JinjaTemplateEngine)
    return Litestar(
        HANDLERS,
        plugins=[AuthstagePlugin(actions=[sa], secret=SECRET, **config)],
        template_config=template_config,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(make_app(tmp_path)) as c:
        yield c


async def test_a_browser_gets_an_html_404_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/no-such-page", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in response.text
    assert "There is nothing at this address" in response.text


async def test_api_and_fetch_callers_keep_the_json(client: AsyncTestClient[Litestar]) -> None:
    for headers in [{}, {"accept": "application/json"}, {"accept": "*/*"}, FETCH]:
        response = await client.get("/no-such-page", headers=headers)
        assert response.status_code == 404
        assert response.json() == {"status_code": 404, "detail": "Not Found"}
        denied = await client.get("/private", headers=headers)
        assert denied.json() == {"status_code": 403, "detail": "Forbidden"}


async def test_the_action_endpoint_answers_its_own_errors(
    client: AsyncTestClient[Litestar],
) -> None:
    for path in ["/_action", "/_action/manifest/nope"]:
        response = await client.get(path, headers=BROWSER)
        assert not response.headers["content-type"].startswith("text/html"), path


async def test_a_403_page_and_the_message_a_page_gave(client: AsyncTestClient[Litestar]) -> None:
    denied = await client.get("/private", headers=BROWSER)
    assert denied.status_code == 403
    assert "You are not allowed to see this page." in denied.text
    moved = await client.get("/gone", headers=BROWSER)
    assert (moved.status_code, "<p>That page moved</p>" in moved.text) == (404, True)


async def test_an_action_error_raised_by_a_page_keeps_its_status(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/posts/7", headers=BROWSER)
    assert (page.status_code, "No post 7" in page.text) == (404, True)
    api = await client.get("/posts/7")
    assert (api.status_code, api.json()) == (404, {"status_code": 404, "detail": "No post 7"})


async def test_a_500_page_shows_the_logged_digest_and_nothing_internal(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="authstage"):
        response = await client.get("/boom", headers=BROWSER)
    assert response.status_code == 500
    match = re.search(r'<code class="digest">([0-9a-f]{16})</code>', response.text)
    assert match is not None, response.text
    [record] = [r for r in caplog.records if r.name == "authstage"]
    assert record.getMessage() == f"page GET /boom failed [digest {match[1]}]"
    assert record.exc_info is not None  # the traceback is in the log, not on the page
    for secret in ["hunter2", "RuntimeError", "Traceback", "password"]:
        assert secret not in response.text
    api = await client.get("/boom")
    assert api.json() == {"status_code": 500, "detail": "Internal Server Error"}


async def test_head_requests_get_the_status_and_no_body(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.head("/no-such-page", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == b""


async def test_other_statuses_get_a_generic_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/only-post", headers=BROWSER)
    assert response.status_code == 405
    assert "<h1>Method Not Allowed</h1>" in response.text
    assert response.headers["allow"] == "POST, OPTIONS"  # kept from the 405
    bad = await client.get("/posts/not-a-number", headers=BROWSER)
    assert bad.status_code == 404 and bad.headers["content-type"].startswith("text/html")


async def test_the_app_overrides_a_page_or_the_layout_of_all(tmp_path: Path) -> None:
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "404.html").write_text("<p>Our own {{ status }}: {{ title }}</p>")
    layout = "<main class=app>{% block content %}{% endblock %}</main>"
    (tmp_path / "errors" / "_layout.html").write_text(layout)
    async with AsyncTestClient(make_app(tmp_path)) as client:
        missing = await client.get("/nowhere", headers=BROWSER)
        denied = await client.get("/private", headers=BROWSER)
    assert missing.text == "<p>Our own 404: Not Found</p>"
    assert denied.text.startswith("<main class=app>")
    assert "You are not allowed to see this page." in denied.text


async def test_a_broken_template_falls_back_to_the_built_in_page(tmp_path: Path) -> None:
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "404.html").write_text("{{ no_such_thing.attribute }}")
    async with AsyncTestClient(make_app(tmp_path)) as client:
        response = await client.get("/nowhere", headers=BROWSER)
    assert response.status_code == 404
    assert "<h1>Not Found</h1>" in response.text


async def test_an_app_without_templates_gets_the_built_in_page() -> None:
    async with AsyncTestClient(make_app(None)) as client:
        missing = await client.get("/nowhere", headers=BROWSER)
        broken = await client.get("/boom", headers=BROWSER)
    assert (missing.status_code, "<h1>Not Found</h1>" in missing.text) == (404, True)
    assert broken.status_code == 500
    assert re.search(r"Error digest: <code>[0-9a-f]{16}</code>", broken.text)
    assert "hunter2" not in broken.text


async def test_error_pages_can_be_turned_off(tmp_path: Path) -> None:
    async with AsyncTestClient(make_app(tmp_path, error_pages=False)) as client:
        response = await client.get("/nowhere", headers=BROWSER)
    assert response.json() == {"status_code": 404, "detail": "Not Found"}


async def test_the_app_s_own_handlers_win() -> None:
    built = Litestar(
        HANDLERS,
        plugins=[AuthstagePlugin(actions=[sa], secret=SECRET)],
        exception_handlers={NotFoundException: _plain_not_found},
    )
    async with AsyncTestClient(built) as client:
        response = await client.get("/nowhere", headers=BROWSER)
    assert (response.status_code, response.text) == (404, "ours")


def _plain_not_found(_request: Any, _exc: Exception) -> Any:
    from litestar import Response

    return Response("ours", status_code=404, media_type="text/plain")


def test_who_wants_a_page() -> None:
    from litestar import Request

    def request(path: str, headers: dict[str, str]) -> Request[Any, Any, Any]:
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "path": path, "headers": raw, "method": "GET"})  # type: ignore[arg-type]

    assert wants_page(request("/posts", BROWSER))
    assert wants_page(request("/posts", {"accept": "text/html"}))  # no fetch metadata: old browser
    assert not wants_page(request("/posts", {}))
    assert not wants_page(request("/posts", FETCH))
    assert not wants_page(request("/posts", {"accept": "application/json, text/html;q=0.9"}))
    assert not wants_page(request("/_action", BROWSER))
    assert not wants_page(request("/_action/manifest", BROWSER))
    assert not wants_page(request("/api/x", BROWSER), action_path="/api")
