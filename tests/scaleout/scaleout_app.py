"""The app the scale-out suite serves: the demo app with its rate limits on the shared Redis.

Every instance and the worker load it as ``tests.scaleout.scaleout_app:create_app``. Sign-ups
are loose (every test signs up from 127.0.0.1); the login limits are the demo's own, counted in
Redis, so a limit is shared by every instance.
"""

from __future__ import annotations

from litestar import Litestar

from actions.app import create_app as create_demo_app
from authstage.auth import AuthConfig

__all__ = ["create_app"]


def create_app() -> Litestar:
    """The demo app; database, Redis and secrets from the environment the cluster sets."""
    return create_demo_app(auth=AuthConfig(signup_ip_limit="10000/minute"))
