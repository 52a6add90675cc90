"""The tour (``tour.TOUR``) in chromium, with JavaScript enabled and disabled, on both engines.

Each step asserts what the visitor must see and leaves a screenshot of the page it ends on, so
a failure names its step and shows the page (``<nn>-<step>-failed.png``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.flows import ContextFactory
from tests.browser.live import DemoServer
from tests.browser.screenshots import Shots
from tests.browser.tour import TOUR
from tests.browser.tourstate import Tour, step_name

pytestmark = pytest.mark.browser


def test_the_tour(
    page: Page, demo: DemoServer, new_context: ContextFactory, mode: str, shot: Shots
) -> None:
    tour = Tour(page=page, demo=demo, open_context=new_context, js=mode == "js")
    for number, step in enumerate(TOUR, start=1):
        try:
            step(tour)
        except Exception as exc:
            shot(tour.page, f"{step_name(step)}-failed")
            exc.add_note(f"tour step {number}: {step_name(step)} ({step.__doc__})")
            raise
        shot(tour.page, step_name(step))
    assert [path.stem[3:] for path in shot.taken] == [step_name(step) for step in TOUR]
