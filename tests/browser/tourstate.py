"""What the tour's steps share: the ``Tour`` (tab, server, visitor, what was done so far).

A step is a function of the ``Tour``: it does one thing a person does and asserts what they
must see. The steps live in tour.py (the account), tour_content.py (posts and todos) and
tour_data.py (export, search, admin, a second user); ``tour.TOUR`` lists them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Page

from tests.browser.flows import Account, ContextFactory
from tests.browser.live import DemoServer

__all__ = ["Step", "Tour", "step_name"]


@dataclass
class Tour:
    """What the steps share. ``page`` is the tab being screenshotted: the visitor's, or for a
    few steps another person's (``first_page`` keeps the visitor's)."""

    page: Page
    demo: DemoServer
    open_context: ContextFactory
    js: bool
    account: Account = field(default_factory=Account)
    new_name: str = "Ada King"
    new_password: str = "analytical engine 1843"
    avatar_src: str = ""
    post_path: str = ""
    post_title: str = "Notes on the Analytical Engine"
    todo_title: str = "Translate the Menabrea paper"
    export_path: str = ""
    #: The hidden fields of the visitor's own forms, by name, for the second user to replay.
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    first_page: Page | None = None

    def __post_init__(self) -> None:
        self.first_page = self.first_page or self.page


Step = Callable[[Tour], None]


def step_name(step: Step) -> str:
    """The step's screenshot name: its function name with hyphens."""
    return step.__name__.replace("_", "-")
