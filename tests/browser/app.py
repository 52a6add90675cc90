"""The app the browser suite serves: the live-server test app with the suite's fast hasher.

Served as ``tests.browser.app:create_app`` (a factory, like ``authstage run --app``): the demo
app of ``actions.app`` with loose sign-up and login limits (``tests.live_app``) and argon2id
with small parameters (``tests.conftest.FAST_HASHER``), because every tour signs up and logs in
several times.
"""

from __future__ import annotations

from litestar import Litestar

from tests import live_app
from tests.conftest import FAST_HASHER

__all__ = ["create_app"]


def create_app() -> Litestar:
    """The demo app for the browser suite (database and secret from the environment)."""
    return live_app.create_app(hasher=FAST_HASHER)
