"""A real browser without JavaScript: a form posted to A has its outcome page rendered by B.

Debian's chromium, headless, JavaScript off, driven by Playwright. The page is loaded from A
and its form posts to A; the redirect A answers is pointed at B, as a load balancer may send the
next request to any instance (cookies belong to the host, 127.0.0.1, so both ports see them). The
browser is this module's own: the suite has no other page tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.scaleout.cluster import Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CHROMIUM = os.environ.get("AUTHSTAGE_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def test_a_form_posted_to_a_in_a_browser_without_javascript_gets_its_outcome_page_from_b(
    cluster: Cluster, browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    redirected: list[str] = []

    def next_request_to_b(route: Route) -> None:
        """A answers the post; its redirect is sent on to B (A never renders the outcome)."""
        response = route.fetch(max_redirects=0)
        location = response.headers["location"]
        redirected.append(location)
        headers = {**response.headers, "location": f"{cluster.b.url}{location}"}
        route.fulfill(response=response, headers=headers)

    try:
        page = context.new_page()
        page.goto(f"{cluster.a.url}/login")
        context.route(f"{cluster.a.url}/_action", next_request_to_b)
        page.fill("#login input[name=email]", "nobody@example.com")
        page.fill("#login input[name=password]", "not the password")
        with page.expect_navigation():
            page.click("#login button[type=submit]")
        assert redirected == ["/login"]
        assert page.url == f"{cluster.b.url}/login"
        assert page.locator("#login").inner_text().count("Invalid email or password") == 1
        assert page.input_value("#login input[name=email]") == "nobody@example.com"
        assert page.input_value("#login input[name=password]") == ""  # never sent back
        # B took the outcome: A's next render of the page is a clean form.
        page.goto(f"{cluster.a.url}/login")
        assert "Invalid email or password" not in page.content()
    finally:
        context.close()
