"""``AuthConfig``: sessions, passwords and throttles, each setting documented; and ``Auth``, the
runtime built from it at startup (kept in the app's state, found through ``appstate.auth_of``).

Give it to the plugin: ``AuthstagePlugin(actions=[...], auth=AuthConfig())``. The plugin then
resolves the signed-in user for every action (deny by default), checks ``@action(roles=...)``,
names the session cookie for bound arguments, and registers the redirect-to-login and JSON 401
handlers used by the route guards. ``Auth.start`` (a startup hook, after the app's database is
bound) opens the session cache's invalidation channel, chosen by ``session_cache_channel`` and
the engine the session table uses; ``Auth.close`` stops it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from piccolo.engine.postgres import PostgresEngine

from authstage.auth.invalidation import InvalidationChannel, LocalChannel
from authstage.auth.passwords import PasswordHasher
from authstage.auth.principal import SessionInfo
from authstage.auth.sessioncache import SessionCache
from authstage.auth.sessions import SessionManager
from authstage.auth.tables import Session
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

    session_cache_size: int = 10_000
    """Live sessions kept in memory per instance (least recently used evicted first), so a
    signed-in call reads no database; 0 turns the cache off."""

    session_cache_ttl: dt.timedelta = dt.timedelta(minutes=1)
    """How long a cached session is trusted at most (and never past its own expiry). Revocation
    does not wait for it: it is the bound on a change made around the framework (a row edited
    by hand) or a notification that could not be sent."""

    session_cache_channel: str | None = None
    """How instances tell each other to drop cached sessions: ``postgres`` (LISTEN/NOTIFY on the
    app's database), a ``redis://`` URL (pub/sub) or ``local`` (one process). Unset:
    ``AUTHSTAGE_SESSION_CHANNEL``, else ``postgres`` on PostgreSQL, else ``REDIS_URL``, else
    ``local``. While the channel is down the cache is bypassed."""

    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form settings for the app's own account actions."""

    def build(self, *, production: bool) -> Auth:
        """The runtime for this configuration (called once by the plugin)."""
        if not self.login_url.startswith("/"):
            raise ConfigurationError("login_url must be a path such as /login")
        if self.session_cache_size < 0 or self.session_cache_ttl < dt.timedelta(0):
            raise ConfigurationError("session_cache_size and session_cache_ttl cannot be negative")
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
        cache = None
        if config.session_cache_size and config.session_cache_ttl:
            cache = SessionCache(
                size=config.session_cache_size,
                ttl=config.session_cache_ttl,
                absolute=config.session_absolute,
            )
        self.sessions = SessionManager(
            lifetime=config.session_lifetime,
            absolute=config.session_absolute,
            touch_interval=config.touch_interval,
            cache=cache,
        )
        self.limiter = RateLimiter(config.rate_limit_storage, on_outage=config.rate_limit_on_outage)

    async def start(self) -> None:
        """Startup hook (after the app's database is bound): the limiter, and the session
        cache's invalidation channel (the cache serves once it is connected)."""
        await self.limiter.start()
        cache = self.sessions.cache
        if cache is None:
            return
        engine = _sessions_engine()
        postgres = dict(engine.config) if isinstance(engine, PostgresEngine) else None
        channel = _channel_for(self.config.session_cache_channel, postgres=postgres)
        self.sessions.channel = channel
        await channel.start(cache)

    async def close(self) -> None:
        """Shutdown hook: stop listening, close the limiter."""
        await self.sessions.channel.close()
        await self.limiter.close()

    async def role_guard(self, ctx: RequestContext, spec: ActionSpec) -> None:
        """Refuse actions declared with ``roles=`` to users holding none of them."""
        if not spec.roles:
            return
        principal = ctx.principal
        if not isinstance(principal, SessionInfo) or principal.user.role not in spec.roles:
            raise Forbidden("You are not allowed to do this")


def _sessions_engine() -> Any:
    """The engine the session table queries (bound by ``Database`` or by hand), or None."""
    try:
        return Session._meta.db
    except Exception:  # Piccolo found no engine configured at all
        return None


def _channel_for(setting: str | None, *, postgres: dict[str, Any] | None) -> InvalidationChannel:
    """The channel ``setting`` names (``AuthConfig.session_cache_channel``).

    Unset means ``AUTHSTAGE_SESSION_CHANNEL``, else ``postgres`` when the session table is on
    PostgreSQL (``postgres``: its engine's asyncpg connection settings), else Redis at
    ``REDIS_URL``, else ``local``.

    Raises:
        ConfigurationError: the setting names no channel, or PostgreSQL without that database.
    """
    choice = (setting or os.environ.get("AUTHSTAGE_SESSION_CHANNEL", "")).strip()
    if not choice:
        redis_url = os.environ.get("REDIS_URL", "").strip()
        choice = "postgres" if postgres is not None else (redis_url or "local")
    scheme = choice.split("://", 1)[0].lower()
    if choice == "local":
        return LocalChannel()
    if choice == "postgres":
        if postgres is None:
            raise ConfigurationError(
                "session_cache_channel 'postgres' needs the app's database to be PostgreSQL"
            )
        from authstage.auth.pgchannel import PostgresChannel

        return PostgresChannel(postgres)
    if scheme in {"redis", "rediss"}:
        from authstage.auth.redischannel import RedisChannel

        return RedisChannel(choice)
    raise ConfigurationError(
        "session_cache_channel must be 'postgres', 'local' or a redis:// URL, "
        f"not {choice.split('://', 1)[0]!r}"
    )
