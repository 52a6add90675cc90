"""Where the plugin keeps its runtime on a Litestar app, and the one way to find it.

At startup the plugin puts the action endpoint, and with ``AuthConfig`` the auth runtime, in
``app.state``. Everything that needs them later (``action_id``, ``bind``, ``take_outcome``,
``current_user``, the CLI, tests) asks ``endpoint_of(app)`` or ``auth_of(app)`` instead of
spelling the state key, so the keys are written here once.

This module sits low (``auth.current`` uses it, and the configuration sits above that): the
endpoint's class (dispatch.py) is above every helper that looks it up, so it is described here
by what those helpers use (``Mounted``), Protocols the endpoint and its configuration satisfy,
rather than imported. Looking it up is one dict access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.stores.base import Store

    from authstage.binding import Binder
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec, Registry

__all__ = [
    "AUDIT_KEY",
    "AUTH_KEY",
    "ENDPOINT_KEY",
    "JOBS_KEY",
    "Guarding",
    "Mounted",
    "Settings",
    "auth_of",
    "endpoint_of",
]

#: ``app.state`` key of the action endpoint.
ENDPOINT_KEY = "authstage"
#: ``app.state`` key of the auth runtime (``authstage.auth.config.Auth``).
AUTH_KEY = "authstage_auth"
#: ``app.state`` key of the jobs runtime (``authstage.jobs.plugin.Jobs``).
JOBS_KEY = "authstage_jobs"
#: ``app.state`` key of the audit log (``authstage.audit.AuditLog``), set when an action is audited.
AUDIT_KEY = "authstage_audit"


class Settings(Protocol):
    """What helpers read of the endpoint's configuration (config.AuthstageConfig)."""

    @property
    def path(self) -> str: ...
    @property
    def session_cookie(self) -> str: ...
    @property
    def production(self) -> bool: ...


class Guarding(Protocol):
    """Step 4 of a call (steps.ActionSteps), for callers that run actions in-process."""

    async def guard(self, ctx: RequestContext, spec: ActionSpec) -> None: ...


class Mounted(Protocol):
    """What helpers use of the action endpoint the plugin mounted (dispatch.ActionEndpoint)."""

    @property
    def registry(self) -> Registry: ...
    @property
    def config(self) -> Settings: ...
    @property
    def binder(self) -> Binder: ...
    @property
    def steps(self) -> Guarding: ...
    @property
    def outcome_store(self) -> Store: ...
    @property
    def default_limit(self) -> int: ...


def endpoint_of(app: Litestar | None) -> Mounted:
    """The action endpoint of ``app``.

    Raises:
        RuntimeError: there is no app, or it was built without ``AuthstagePlugin``.
    """
    endpoint: Mounted | None = app.state.get(ENDPOINT_KEY) if app is not None else None
    if endpoint is None:
        raise RuntimeError("this app has no AuthstagePlugin")
    return endpoint


def auth_of(app: Litestar | None) -> Any:
    """The auth runtime of ``app`` (``authstage.auth.config.Auth``), or None without one."""
    return app.state.get(AUTH_KEY) if app is not None else None
