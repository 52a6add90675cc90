"""``AuthConfig``: sessions, passwords and throttles, each setting documented; and ``Auth``, the
runtime built from it at startup (kept in the app's state, found through ``appstate.auth_of``).

Give it to the plugin: ``AuthstagePlugin(actions=[...], auth=AuthConfig())``. The plugin then
resolves the signed-in user for every action (deny by default), checks ``@action(roles=...)``,
names the session cookie for bound arguments, and registers the redirect-to-login and JSON 401
handlers used by the route guards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from authstage.auth.passwords import PasswordHasher
from authstage.auth.sessions import SessionInfo, SessionManager
from authstage.errors import ConfigurationError, Forbidden
from authstage.ratelimit import RateLimiter

if TYPE_CHECKING:
    from authstage.context import RequestContext
    from authstage.registry import ActionSpec

__all__ = ["Auth", "AuthConfig"]


@dataclass
class AuthConfig:
    """Configuration of authentication."""

    session_lifetime: dt.timedelta = dt.timedelta(days=14)
    """A session expires after this long without use (sliding expiry)."""

    session_absolute: dt.timedelta = dt.timedelta(days=30)
    """...and after this long since sign-in, however much it is used (absolute cap)."""

    touch_interval: dt.timedelta = dt.timedelta(minutes=5)
    """How often a used session's expiry is written back (at most one write per interval)."""

    cookie_name: str | None = None
    """Session cookie name; default ``authstage_session``, ``__Host-authstage_session`` in
    production (which also makes it ``Secure``)."""

    hasher: PasswordHasher | None = None
    """The password hasher; argon2id with argon2-cffi's recommended parameters when unset."""

    rate_limit_storage: str | None = None
    """``limits`` storage URI (``async+memory://``, ``async+redis://host:6379``); from
    ``AUTHSTAGE_RATE_LIMIT_STORAGE`` or ``REDIS_URL`` when unset."""

    rate_limit_on_outage: Literal["closed", "open"] | None = None
    """When the rate limit storage (Redis) is down: ``closed`` refuses limited calls with 503
    (the default, so a login throttle holds), ``open`` lets them through; from
    ``AUTHSTAGE_RATE_LIMITS_ON_OUTAGE`` when unset."""

    login_ip_limit: str = "20/minute"
    """Login attempts allowed per client IP."""

    login_email_limit: str = "5 per 15 minutes"
    """Failed logins allowed per email (counted on failure only, so nobody can lock a user out
    by trying once)."""

    signup_ip_limit: str = "10/hour"
    """Sign-ups allowed per client IP."""

    login_url: str = "/login"
    """Where protected pages send signed-out visitors."""

    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form settings for the app's own account actions."""

    def build(self, *, production: bool) -> Auth:
        """The runtime for this configuration (called once by the plugin)."""
        if not self.login_url.startswith("/"):
            raise ConfigurationError("login_url must be a path such as /login")
        return Auth(self, production=production)


class Auth:
    """Sessions, hasher and limiter of one app, plus the hooks the plugin installs."""

    def __init__(self, config: AuthConfig, *, production: bool) -> None:
        self.config = config
        self.production = production
        self.cookie_name = config.cookie_name or (
            "__Host-authstage_session" if production else "authstage_session"
        )
        self.secure_cookie = production or self.cookie_name.startswith("__Host-")
        self.hasher = config.hasher or PasswordHasher()
        self.sessions = SessionManager(
            lifetime=config.session_lifetime,
            absolute=config.session_absolute,
            touch_interval=config.touch_interval,
        )
        self.limiter = RateLimiter(config.rate_limit_storage, on_outage=config.rate_limit_on_outage)

    async def role_guard(self, ctx: RequestContext, spec: ActionSpec) -> None:
        """Refuse actions declared with ``roles=`` to users holding none of them."""
        if not spec.roles:
            return
        principal = ctx.principal
        if not isinstance(principal, SessionInfo) or principal.user.role not in spec.roles:
            raise Forbidden("You are not allowed to do this")
