"""``AuthstageConfig``: every setting of the action endpoint, each one documented.

Values left unset are read from the environment, so switching between the embedded default
and production is configuration, never code:

=============================  ================================================================
``AUTHSTAGE_ENV``              ``development`` (default) or ``production``
``AUTHSTAGE_SECRET``           the server secret (required in production, >= 32 bytes)
``AUTHSTAGE_PREVIOUS_SECRETS`` comma-separated secrets still accepted during a rotation
``AUTHSTAGE_ALLOWED_ORIGINS``  comma-separated extra origins allowed to call actions
``AUTHSTAGE_TRUST_FORWARDED``  ``1`` when a proxy in front sets X-Forwarded-Proto/-Host
                               (``AUTHSTAGE_TRUST_FORWARDED_HOST``, its older name, still works)
``AUTHSTAGE_DEBUG``            ``1`` to send unexpected exceptions' messages (never in production)
=============================  ================================================================

``AuthstageConfig`` is what the user writes and is never written to: ``resolve()`` returns a new,
frozen ``ResolvedConfig`` with the environment filled in, and the plugin derives from that (with
``dataclasses.replace``) what auth and the app's stores contribute. So one config can build any
number of apps, each with its own authenticator, guards and stores.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from types import ModuleType
from typing import TYPE_CHECKING, Any

from authstage.csrf import OriginPolicy
from authstage.errors import ConfigurationError

if TYPE_CHECKING:
    from litestar.stores.base import Store

    from authstage.auth.config import AuthConfig
    from authstage.cache import Cache
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec

__all__ = [
    "IDEMPOTENCY_STORE",
    "OUTCOME_STORE",
    "AuthstageConfig",
    "Guard",
    "ResolvedConfig",
    "RevalidationListener",
]

#: Names under which the endpoint's stores are looked up in ``app.stores`` (a Litestar
#: ``StoreRegistry``) unless given in the config.
OUTCOME_STORE = "authstage_outcomes"
IDEMPOTENCY_STORE = "authstage_idempotency"

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

    trust_forwarded: bool | None = None
    """Take the request's own origin from ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` (only
    behind a proxy that sets both and strips them from clients); ``AUTHSTAGE_TRUST_FORWARDED``
    (or ``AUTHSTAGE_TRUST_FORWARDED_HOST``) when unset. One setting for both headers: a proxy
    that terminates TLS rewrites scheme and host together, and trusting one alone would compare
    a half-forwarded origin."""

    debug: bool | None = None
    """Send unexpected exceptions' messages to callers; ``AUTHSTAGE_DEBUG`` when unset.
    Refused in production."""

    auth: AuthConfig | None = None
    """Users, sessions and passwords (``authstage.auth.AuthConfig``); each app built from it
    gets its own ``Auth``, whose authenticator, role guard and session cookie name go into that
    app's ``ResolvedConfig``."""

    authenticate: Authenticator | None = None
    """Resolves the signed-in principal; non-public actions answer 401 when it returns None
    (and when no authenticator is configured at all: deny by default)."""

    guards: Sequence[Guard] = ()
    """Run in order before decoding, for every action (roles, rate limits, ...)."""

    session_cookie: str = "authstage_session"
    """The session cookie's name; bound arguments made with a session are tied to it."""

    outcome_store: Store | None = None
    """Where no-JS form outcomes wait for their page render; when unset, the app's store named
    ``authstage_outcomes`` (``app.stores``: in memory unless the app's ``StoreRegistry`` says
    otherwise)."""

    on_revalidate: Sequence[RevalidationListener] = field(default_factory=list)
    """Told about revalidated paths and tags after each successful action."""

    caches: Sequence[Cache] = ()
    """Data caches (cache.py) the plugin wires into the app: started and stopped with it, and
    told what each action revalidates. ``authstage.default_cache`` joins them by itself once a
    function is cached through ``authstage.cached``."""

    max_batch_calls: int = 32
    """Calls allowed in one batch request (``Authstage-Batch``)."""

    max_refresh_reads: int = 8
    """Reads one call may ask to have refreshed (``Authstage-Refresh``, refresh.py)."""

    refresh_timeout: float = 5.0
    """Seconds each refreshed read may run; a slower one is that read's ``UNAVAILABLE``."""

    idempotency_store: Store | None = None
    """Where replies to calls sent with an ``Idempotency-Key`` are kept for replay; when unset,
    the app's store named ``authstage_idempotency``. With several instances use a shared
    ``RedisStore`` (here or in the app's ``StoreRegistry``)."""

    idempotency_window: int = 3600
    """Seconds a reply stays replayable under its idempotency key."""

    error_pages: bool = True
    """Answer browsers' errors on the app's pages with HTML pages (errorpages.py: 403, 404,
    500 with its digest, ...); every other caller keeps the JSON. The app's own exception
    handlers win over these."""

    fast_path: bool = True
    """Answer the action path in front of Litestar's router (fastpath.py). It is only taken
    when that skips nothing the app configured (app-level middleware, CORS, OpenTelemetry)."""

    def resolve(self) -> ResolvedConfig:
        """A new, frozen copy with unset fields filled from the environment, checked.

        The config itself is left as it was. Called by the plugin at startup.

        Raises:
            ConfigurationError: a setting is invalid (e.g. debug in production).
        """
        production = self.production
        if production is None:
            env = os.environ.get("AUTHSTAGE_ENV", "development").strip().lower()
            if env not in {"development", "production", "test"}:
                raise ConfigurationError(
                    f"AUTHSTAGE_ENV must be development or production, not {env!r}"
                )
            production = env == "production"
        trust_forwarded = self.trust_forwarded
        if trust_forwarded is None:
            trust_forwarded = _env_flag("AUTHSTAGE_TRUST_FORWARDED") or _env_flag(
                "AUTHSTAGE_TRUST_FORWARDED_HOST"
            )
        previous, allowed = self.previous_secrets, self.allowed_origins
        # Every setting is copied as it is (sequences as tuples), then the environment fills
        # the ones left unset: a new setting needs no line here.
        values = {f.name: getattr(self, f.name) for f in fields(ResolvedConfig)}
        values.update({name: tuple(values[name]) for name in _TUPLES if values[name] is not None})
        values.update(
            secret=self.secret or os.environ.get("AUTHSTAGE_SECRET") or None,
            previous_secrets=tuple(
                _env_list("AUTHSTAGE_PREVIOUS_SECRETS") if previous is None else previous
            ),
            production=production,
            allowed_origins=tuple(
                _env_list("AUTHSTAGE_ALLOWED_ORIGINS") if allowed is None else allowed
            ),
            trust_forwarded=trust_forwarded,
            debug=_env_flag("AUTHSTAGE_DEBUG") if self.debug is None else self.debug,
        )
        resolved = ResolvedConfig(**values)
        resolved.check()
        return resolved


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedConfig:
    """The settings one app runs with: ``AuthstageConfig`` resolved, immutable.

    Same field names as ``AuthstageConfig`` (documented there), with every optional value
    decided, sequences as tuples, plus what the plugin adds: ``authenticate``, ``guards`` and
    ``session_cookie`` from auth, and the stores from ``app.stores``. Derive a variant with
    ``dataclasses.replace``.
    """

    actions: tuple[ModuleType | Callable[..., Any] | str, ...]
    path: str
    secret: str | None
    previous_secrets: tuple[str, ...]
    production: bool
    dev_secret_file: str
    max_body_size: int
    allowed_origins: tuple[str, ...]
    trust_forwarded: bool
    debug: bool
    auth: AuthConfig | None
    authenticate: Authenticator | None
    guards: tuple[Guard, ...]
    session_cookie: str
    outcome_store: Store | None
    on_revalidate: tuple[RevalidationListener, ...]
    caches: tuple[Cache, ...]
    max_batch_calls: int
    max_refresh_reads: int
    refresh_timeout: float
    idempotency_store: Store | None
    idempotency_window: int
    error_pages: bool
    fast_path: bool

    def check(self) -> None:
        """Raise ``ConfigurationError`` on an invalid combination of settings."""
        if self.debug and self.production:
            raise ConfigurationError("debug sends exception messages to callers: not in production")
        if not self.path.startswith("/"):
            raise ConfigurationError(f"path must start with '/', got {self.path!r}")
        if self.max_body_size <= 0:
            raise ConfigurationError("max_body_size must be positive")
        if self.max_batch_calls <= 0 or self.idempotency_window <= 0:
            raise ConfigurationError("max_batch_calls and idempotency_window must be positive")
        if self.max_refresh_reads <= 0 or self.refresh_timeout <= 0:
            raise ConfigurationError("max_refresh_reads and refresh_timeout must be positive")
        OriginPolicy(self.allowed_origins)  # raises on an origin that is not one


#: The ``ResolvedConfig`` fields that are tuples of the config's sequences.
_TUPLES = tuple(f.name for f in fields(ResolvedConfig) if str(f.type).startswith("tuple["))
