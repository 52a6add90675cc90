"""The app the live-server suites serve: the demo app, with throttles loose enough for a test run.

Served by uvicorn as ``tests.live_app:create_app`` (a factory): the same actions, database and
auth as ``actions.app``; only the sign-up and login rate limits are raised, because every test
signs up from 127.0.0.1. A suite's own factory may pass a cheaper password hasher (the browser
suite's ``tests.browser.app``).
"""

from __future__ import annotations

from litestar import Litestar

from actions.app import create_app as create_demo_app
from authstage.auth import AuthConfig, PasswordHasher

__all__ = ["create_app"]


def create_app(hasher: PasswordHasher | None = None) -> Litestar:
    """The demo app for tests (database from ``DATABASE_URL``, secret from the environment),
    hashing passwords with ``hasher`` (argon2id's recommended parameters when None)."""
    loose = "10000/minute"
    auth = AuthConfig(
        signup_ip_limit=loose,
        login_ip_limit=loose,
        login_email_limit=loose,
        rate_limit_storage="async+memory://",
        hasher=hasher,
    )
    return create_demo_app(auth=auth)
