"""The app the scale-out suite serves: the demo app with its rate limits on the shared Redis.

Every instance and the worker load it as ``tests.scaleout.scaleout_app:create_app``. Sign-ups
are loose (every test signs up from 127.0.0.1); the login limits are the demo's own, counted in
Redis, so a limit is shared by every instance. The suite's own actions and task
(scaleout_tasks.py) are served next to the demo's; a lost job is taken up again after 2 s of
silence, swept for every 3 s (the defaults, 30 s and 10 s, are too long for a test).
"""

from __future__ import annotations

from litestar import Litestar

from actions.app import TASK_MODULES
from actions.app import create_app as create_demo_app
from authstage.auth import AuthConfig
from authstage.jobs import JobsConfig
from tests.scaleout import scaleout_tasks

__all__ = ["create_app"]

SUITE = scaleout_tasks.__name__


def create_app() -> Litestar:
    """The demo app; database, Redis and secrets from the environment the cluster sets."""
    jobs = JobsConfig(tasks=[*TASK_MODULES, SUITE], heartbeat=2, sweep_interval=3)
    return create_demo_app(
        auth=AuthConfig(signup_ip_limit="10000/minute"),
        jobs=jobs,
        extra_actions=[SUITE],
        caches=[scaleout_tasks.cache],
    )
