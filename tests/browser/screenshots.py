"""Screenshots of the pages the browser suite visits, kept as test artifacts.

Each test gets a ``Shots`` for its mode (``js`` or ``nojs``): ``shot(page, "dashboard")`` writes
the whole page to ``<root>/<mode>/<nn>-dashboard.png``, ``nn`` counting the test's shots from
01 so a test's files sort in the order it took them. The root is
``tests/artifacts/screenshots`` (gitignored), or the folder ``AUTHSTAGE_SCREENSHOTS`` names. A
session that takes screenshots first empties the mode folders of older ones, so the folder
always shows one run (of a test run on both engines, the last engine's pages).

``AUTHSTAGE_SCREENSHOTS_FULL_PAGE=0`` writes the viewport only (the suite's 1024x768), as the
README's screenshots are taken (``make screenshots``, scripts/screenshots); a failed step is
always written whole, where what went wrong may be below the fold.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.live_server import ROOT

__all__ = ["FULL_PAGE_ENV", "MODES", "SCREENSHOTS_ENV", "Shots", "screenshot_root"]

SCREENSHOTS_ENV = "AUTHSTAGE_SCREENSHOTS"
FULL_PAGE_ENV = "AUTHSTAGE_SCREENSHOTS_FULL_PAGE"
MODES = ("js", "nojs")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def screenshot_root() -> Path:
    """The screenshot folder, its mode folders emptied of older screenshots."""
    root = Path(os.environ.get(SCREENSHOTS_ENV) or ROOT / "tests" / "artifacts" / "screenshots")
    for mode in MODES:
        folder = root / mode
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
    return root


class Shots:
    """Numbered screenshots of one test, in one mode's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []
        self.full_page = os.environ.get(FULL_PAGE_ENV, "1") != "0"

    def __call__(self, page: Page, name: str) -> Path:
        """Write ``page`` (the whole of it, or its viewport: ``FULL_PAGE_ENV``) as
        ``<nn>-<name>.png``; ``name`` is lowercase words joined by hyphens."""
        assert _NAME.fullmatch(name), f"screenshot name {name!r}: use lowercase-words-like-this"
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        full_page = self.full_page or name.endswith("-failed")
        page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        self.taken.append(path)
        return path
