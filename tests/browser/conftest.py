"""The browser suite's harness: the demo app served live, Debian's chromium driven by Playwright.

- ``demo`` (session): the demo app served by uvicorn on a free port (``live.demo_server``),
  parametrized over a fresh SQLite file and a fresh PostgreSQL database (``postgres`` marker);
  ``enhance_server`` (session): the browser script's own test app (``enhance_app.py``), served
  by the same helper (``tests.live_server.serve``) on no database.
- ``browser`` (session): one headless chromium, ``/usr/bin/chromium`` (or the executable
  ``AUTHSTAGE_TEST_CHROMIUM`` names), never a browser Playwright downloads. Without it the
  suite is skipped locally and fails in CI (``CI`` set), as the PostgreSQL and Redis suites do.
- ``open_context``: the one way contexts are made, a factory of fresh browser contexts (cookies
  of their own) on a server's address, with JavaScript on or off, all closed at the end of the
  test; ``new_context`` is that factory on the demo app's address, ``js_context`` and
  ``nojs_context`` are one each, and ``context`` is parametrized over both (``mode``).
- ``page`` opens a tab in ``context``; ``shot(page, name)`` writes its screenshot as an
  artifact (``screenshots.Shots``).

Playwright's sync API is used throughout: the tests are plain functions, and the servers run in
their own processes, so nothing here shares an event loop with an app. While the sync API is
open its event loop counts as running in the main thread, where neither pytest-asyncio nor a
second ``sync_playwright()`` can start one ("Playwright Sync API inside the asyncio loop"):
so there is exactly one Playwright and one browser for the session, every browser test uses
them through these fixtures, the browser tests run after every other test of the session
(``pytest_collection_modifyitems``), and the browser closes when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.flows import ContextFactory
from tests.browser.live import DemoServer, demo_server
from tests.browser.screenshots import MODES, Shots, screenshot_root
from tests.conftest import ENGINES, in_ci
from tests.live_server import serve

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("AUTHSTAGE_TEST_CHROMIUM", "/usr/bin/chromium")
#: Waits are short: every page is served from this machine.
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1024, "height": 768}

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their fixtures' params
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the tests of this folder to the end of the session, in their order. (Each module
    marks its tests ``browser`` itself, with ``pytestmark``, so ``-m`` selects them.)"""
    ours = [item for item in items if HERE in item.path.parents]
    if ours:
        items[:] = [item for item in items if HERE not in item.path.parents] + ours


@pytest.fixture(scope="session", params=ENGINES)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """The demo app, live, on a fresh database of each engine."""
    with demo_server(request.param, tmp_path_factory.mktemp(f"browser-{request.param}")) as live:
        yield live


@pytest.fixture(scope="session")
def enhance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The browser script's test app (enhance_app.py), live; its state is in memory."""
    directory = tmp_path_factory.mktemp("enhance")
    with serve(directory, app="tests.browser.enhance_app:create_app", migrate=False) as live:
        yield live.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if in_ci():
            pytest.fail(f"{message}: CI requires the browser suite", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_context(browser: Browser) -> Iterator[ContextFactory]:
    """Open fresh contexts: ``open_context(base_url=..., js=True, **playwright_options)``; all
    are closed when the test ends."""
    opened: list[BrowserContext] = []

    def open_one(base_url: str, js: bool = True, **options: Any) -> BrowserContext:
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(
            base_url=base_url, java_script_enabled=js, locale="en-US", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


@pytest.fixture
def new_context(open_context: ContextFactory, demo: DemoServer) -> ContextFactory:
    """Open fresh contexts on the demo app: ``new_context(js=True, **playwright_options)``."""

    def on_demo(js: bool = True, **options: Any) -> BrowserContext:
        return open_context(demo.url, js, **options)

    return on_demo


@pytest.fixture
def js_context(new_context: ContextFactory) -> BrowserContext:
    """A context with JavaScript enabled."""
    return new_context(js=True)


@pytest.fixture
def nojs_context(new_context: ContextFactory) -> BrowserContext:
    """A context with JavaScript disabled: every form is a plain POST."""
    return new_context(js=False)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """``js`` or ``nojs``: the test runs once with JavaScript enabled and once without."""
    value: str = request.param
    return value


@pytest.fixture
def context(mode: str, request: pytest.FixtureRequest) -> BrowserContext:
    """The context of this run's mode (``js_context`` or ``nojs_context``)."""
    chosen: BrowserContext = request.getfixturevalue(f"{mode}_context")
    return chosen


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in this run's context."""
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The screenshot folder of this session (``screenshots.screenshot_root``)."""
    return screenshot_root()


@pytest.fixture
def shot(screenshots: Path, mode: str) -> Shots:
    """``shot(page, name)``: this test's next screenshot, in its mode's folder."""
    return Shots(screenshots / mode)
