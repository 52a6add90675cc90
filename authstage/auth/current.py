"""Who is signed in: ``get_session()``, ``current_user()`` and the helpers that refuse.

``get_session()`` is memoized per request (``request_cache``): however many times an action,
its helpers and the page call it, the session is read with one query (user joined in). The
sliding-expiry write, when due, happens inside that one memoized call.

``get_session()`` reads through the session cache (sessioncache.py) when the app has one, so a
signed-in call usually runs no query at all.

``sign_in`` and ``sign_out`` manage the cookie. ``sign_in`` always makes a new token and revokes
the one the request came with, so a cookie planted before login is worthless after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authstage.appstate import auth_of
from authstage.auth.sessions import SessionInfo, UserInfo
from authstage.context import RequestContext, context, delete_cookie, set_cookie
from authstage.errors import Forbidden, Unauthorized
from authstage.memo import request_cache

if TYPE_CHECKING:
    from authstage.auth.config import Auth

__all__ = [
    "auth_runtime",
    "authenticate",
    "current_user",
    "ensure_owner",
    "get_session",
    "require_role",
    "require_user",
    "revoke_session",
    "sign_in",
    "sign_out",
    "user_changed",
]

_SIGNED_OUT = object()


def auth_runtime(ctx: RequestContext | None = None) -> Auth | None:
    """The ``Auth`` runtime of the app serving the request (None without one)."""
    runtime: Auth | None = auth_of((ctx or context()).scope.get("app"))
    return runtime


def _set_session_cookie(auth: Auth, token: str) -> None:
    set_cookie(
        auth.cookie_name,
        token,
        max_age=int(auth.sessions.lifetime.total_seconds()),
        secure=auth.secure_cookie,
        httponly=True,
        samesite="lax",
    )


@request_cache
async def _session_for(token: str) -> SessionInfo | None:
    auth = auth_runtime()
    if auth is None:
        return None
    session = await auth.sessions.lookup(token)
    if session is not None and auth.sessions.needs_touch(session):
        await auth.sessions.touch(session)
        _set_session_cookie(auth, token)
    return session


async def get_session() -> SessionInfo | None:
    """The current session (None when signed out); one query per request at most."""
    ctx = context()
    principal = ctx.principal
    if isinstance(principal, SessionInfo):
        return principal
    if principal is _SIGNED_OUT:
        return None
    auth = auth_runtime(ctx)
    if auth is None:
        return None
    token = ctx.cookies.get(auth.cookie_name)
    if not token:
        return None
    # A session cache hit that needs no touch is answered here, without the per-request memo
    # and its single flight (the common case of a signed-in call).
    session = auth.sessions.cached(token)
    if session is not None and not auth.sessions.needs_touch(session):
        return session
    return await _session_for(token)


async def authenticate(ctx: RequestContext) -> SessionInfo | None:
    """The plugin's authenticator with ``AuthConfig``: the session of the request, or None."""
    return await get_session()


async def current_user() -> UserInfo | None:
    """The signed-in user, or None."""
    session = await get_session()
    return session.user if session is not None else None


async def require_user() -> UserInfo:
    """The signed-in user; ``Unauthorized`` (401) when there is none."""
    user = await current_user()
    if user is None:
        raise Unauthorized("Sign in to do this")
    return user


async def require_role(*roles: str) -> UserInfo:
    """The signed-in user holding one of ``roles``; 401 when signed out, 403 otherwise."""
    user = await require_user()
    if user.role not in roles:
        raise Forbidden("You are not allowed to do this")
    return user


async def ensure_owner(owner_id: int | None, *, allow_admin: bool = False) -> UserInfo:
    """The signed-in user, who must own the resource (``owner_id``); else ``Forbidden``."""
    user = await require_user()
    if owner_id != user.id and not (allow_admin and user.role == "admin"):
        raise Forbidden("You do not have access to this")
    return user


async def sign_in(user_id: int) -> SessionInfo:
    """Start a fresh session for ``user_id`` and set its cookie (revoking the request's old one)."""
    ctx = context()
    auth = auth_runtime(ctx)
    if auth is None:
        raise RuntimeError("sign_in needs an app configured with AuthConfig")
    old = ctx.cookies.get(auth.cookie_name)
    if old:
        await auth.sessions.revoke(old)
    token = await auth.sessions.create(
        user_id, ip=ctx.client_ip(), user_agent=ctx.headers.get("user-agent", "")
    )
    _set_session_cookie(auth, token)
    session = await auth.sessions.lookup(token)
    assert session is not None  # just created
    ctx.principal = session
    return session


async def sign_out(*, everywhere: bool = False) -> None:
    """End the current session (or all of the user's sessions) and clear the cookie."""
    ctx = context()
    auth = auth_runtime(ctx)
    if auth is None:
        return
    session = await get_session()
    token = ctx.cookies.get(auth.cookie_name)
    if everywhere and session is not None:
        await auth.sessions.revoke_all(session.user.id)
    elif token:
        await auth.sessions.revoke(token)
    delete_cookie(auth.cookie_name)
    ctx.principal = _SIGNED_OUT


def _required_runtime(helper: str) -> Auth:
    auth = auth_runtime()
    if auth is None:
        raise RuntimeError(f"{helper} needs an app configured with AuthConfig")
    return auth


async def revoke_session(session_id: int) -> bool:
    """End the session with row ID ``session_id`` on every instance ("sign out that device");
    False when there was none. Check first that the signed-in user owns it (``ensure_owner``).

    Delete session rows through this (or ``auth.sessions``), never directly: the session cache
    of every instance must hear about it.
    """
    return await _required_runtime("revoke_session").sessions.revoke_id(session_id)


async def user_changed(user_id: int) -> None:
    """Announce a change the app made to a user's row (role, name, avatar, deletion): every
    cached session of that user is dropped on every instance and read afresh. Call it after
    the write."""
    await _required_runtime("user_changed").sessions.user_changed(user_id)
