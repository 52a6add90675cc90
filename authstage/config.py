"""``AuthstageConfig``: every setting of the action endpoint, each one documented.

Values left unset are read from the environment, so switching between the embedded default
and production is configuration, never code:

=============================  ================================================================
``AUTHSTAGE_ENV``              ``development`` (default) or ``production``
``AUTHSTAGE_SECRET``           the server secret (required in production, >= 32 bytes)
``AUTHSTAGE_PREVIOUS_SECRETS`` comma-separated secrets still accepted during a rotation
``AUTHSTAGE_ALLOWED_ORIGINS``  comma-separated extra origins allowed to call actions
``AUTHSTAGE_TRUST_FORWARDED_HOST``  ``1`` when a proxy in front sets X-Forwarded-Host
``AUTHSTAGE_DEBUG``            ``1`` to send unexpected exceptions' messages (never in production)
=============================  ================================================================
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from authstage.errors import ConfigurationError

if TYPE_CHECKING:
    from litestar.stores.base import Store

    from authstage.auth.config import AuthConfig
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec

__all__ = ["AuthstageConfig", "Guard", "RevalidationListener"]

#: Called before an action's arguments are decoded; raises an ``ActionError`` to refuse.
Guard = Callable[["RequestContext", "ActionSpec"], Awaitable[None]]
#: Called after a successful action that revalidated paths or tags: ``(paths, tags)``.
RevalidationListener = Callable[[list[str], list[str]], Awaitable[None]]
#: Resolves the signed-in principal of a request (None when signed out).
Authenticator = Callable[["RequestContext"], Awaitable[Any]]


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class AuthstageConfig:
    """Configuration of ``AuthstagePlugin``."""

    actions: Sequence[ModuleType | Callable[..., Any] | str] = ()
    """Modules (or their import paths) whose ``@action`` functions are registered, or
    individual action functions."""

    path: str = "/_action"
    """Where the endpoint is mounted."""

    secret: str | None = None
    """The server secret; ``AUTHSTAGE_SECRET`` when unset. Development generates one."""

    previous_secrets: Sequence[str] | None = None
    """Older secrets still accepted (IDs and bound tokens) during a rotation;
    ``AUTHSTAGE_PREVIOUS_SECRETS`` when unset."""

    production: bool | None = None
    """Production mode: a secret is required, debug is refused, cookies are Secure.
    ``AUTHSTAGE_ENV == "production"`` when unset."""

    dev_secret_file: str = ".authstage-secret"  # noqa: S105 - a file name, not a secret
    """Where a development secret is generated and kept (git-ignored)."""

    max_body_size: int = 1 << 20
    """Default request body limit in bytes (1 MiB); ``@action(max_body_size=...)`` overrides."""

    allowed_origins: Sequence[str] | None = None
    """Origins besides the request's own host allowed to call actions from a browser,
    e.g. ``["https://app.example.com"]``; ``AUTHSTAGE_ALLOWED_ORIGINS`` when unset."""

    trust_forwarded_host: bool | None = None
    """Trust ``X-Forwarded-Host`` for the origin check (only behind a proxy that sets it);
    ``AUTHSTAGE_TRUST_FORWARDED_HOST`` when unset."""

    debug: bool | None = None
    """Send unexpected exceptions' messages to callers; ``AUTHSTAGE_DEBUG`` when unset.
    Refused in production."""

    auth: AuthConfig | None = None
    """Users, sessions and passwords (``authstage.auth.AuthConfig``); sets ``authenticate``,
    the role guard and the session cookie name."""

    authenticate: Authenticator | None = None
    """Resolves the signed-in principal; non-public actions answer 401 when it returns None
    (and when no authenticator is configured at all: deny by default)."""

    guards: Sequence[Guard] = ()
    """Run in order before decoding, for every action (roles, rate limits, ...)."""

    session_cookie: str = "authstage_session"
    """The session cookie's name; bound arguments made with a session are tied to it."""

    outcome_store: Store | None = None
    """Where no-JS form outcomes wait for their page render; in memory when unset."""

    on_revalidate: Sequence[RevalidationListener] = field(default_factory=list)
    """Told about revalidated paths and tags after each successful action."""

    max_batch_calls: int = 32
    """Calls allowed in one batch request (``Authstage-Batch``)."""

    idempotency_store: Store | None = None
    """Where replies to calls sent with an ``Idempotency-Key`` are kept for replay; in memory
    when unset. With several instances use a shared ``RedisStore``."""

    idempotency_window: int = 3600
    """Seconds a reply stays replayable under its idempotency key."""

    fast_path: bool = True
    """Answer the action path in front of Litestar's router (fastpath.py). It is only taken
    when that skips nothing the app configured (app-level middleware, CORS, OpenTelemetry)."""

    def resolve(self) -> AuthstageConfig:
        """Fill unset fields from the environment and check them; called at startup.

        Raises:
            ConfigurationError: a setting is invalid (e.g. debug in production).
        """
        if self.production is None:
            env = os.environ.get("AUTHSTAGE_ENV", "development").strip().lower()
            if env not in {"development", "production", "test"}:
                raise ConfigurationError(
                    f"AUTHSTAGE_ENV must be development or production, not {env!r}"
                )
            self.production = env == "production"
        if self.secret is None:
            self.secret = os.environ.get("AUTHSTAGE_SECRET") or None
        if self.previous_secrets is None:
            self.previous_secrets = _env_list("AUTHSTAGE_PREVIOUS_SECRETS")
        if self.allowed_origins is None:
            self.allowed_origins = _env_list("AUTHSTAGE_ALLOWED_ORIGINS")
        if self.trust_forwarded_host is None:
            self.trust_forwarded_host = _env_flag("AUTHSTAGE_TRUST_FORWARDED_HOST")
        if self.debug is None:
            self.debug = _env_flag("AUTHSTAGE_DEBUG")
        if self.debug and self.production:
            raise ConfigurationError("debug sends exception messages to callers: not in production")
        if not self.path.startswith("/"):
            raise ConfigurationError(f"path must start with '/', got {self.path!r}")
        if self.max_body_size <= 0:
            raise ConfigurationError("max_body_size must be positive")
        if self.max_batch_calls <= 0 or self.idempotency_window <= 0:
            raise ConfigurationError("max_batch_calls and idempotency_window must be positive")
        for origin in self.allowed_origins:
            if "://" not in origin or origin.rstrip("/").count("/") > 2:
                raise ConfigurationError(
                    f"allowed origin {origin!r} must look like https://host[:port]"
                )
        return self
