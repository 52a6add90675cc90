"""Account actions: sign up, log in and out, passwords, profile, sessions, deleting the account.

Signup and login set the session cookie and redirect to ``/dashboard`` (as in the seeds), login
to its ``next`` page instead when that is a same-origin path (the rules of ``redirect()``). Login
is throttled per IP (every attempt) and per email (failures only, so nobody can lock a user out
by guessing once), runs the same path whether or not the email exists (a dummy argon2
verification), and answers the same message either way. Changing the password, signing out
everywhere, revoking a session and deleting the account are audited (``authstage.audit``):
who, when, from where and how it ended, never the passwords.
"""

from __future__ import annotations

from typing import Any

import msgspec

from actions.exports import delete_export_files, export_files_of
from actions.schemas import ChangePasswordIn, LoginIn, ProfileIn, SessionOut, SignupIn, UserOut
from authstage import (
    Audit,
    ValidationFailed,
    action,
    delete_cookie,
    fragment,
    redirect,
    revalidate_path,
    take_outcome,
)
from authstage.auth import (
    Session,
    User,
    ensure_owner,
    get_session,
    require_user,
    sign_in,
    sign_out,
    user_changed,
)
from authstage.auth import revoke_session as end_session
from authstage.auth.accounts import create_user, normalize_email
from authstage.auth.config import Auth
from authstage.auth.current import auth_runtime
from authstage.context import context
from authstage.errors import Unauthorized

__all__ = [
    "change_password",
    "delete_account",
    "device_list",
    "list_sessions",
    "login",
    "logout",
    "logout_everywhere",
    "revoke_session",
    "signup",
    "update_profile",
]

_BAD_LOGIN = "Invalid email or password"


def _auth() -> Auth:
    auth = auth_runtime()
    assert auth is not None, "the app is configured with AuthConfig"
    return auth


@action(public=True)
async def signup(data: SignupIn) -> None:
    """Create an account, sign it in and go to the dashboard."""
    auth = _auth()
    await auth.limiter.hit(auth.config.signup_ip_limit, "signup-ip", context().client_ip())
    # A concurrent signup with the same email fails on the unique index: CONFLICT on "email".
    user_id = await create_user(data.email, data.name, data.password, hasher=auth.hasher)
    await sign_in(user_id)
    redirect("/dashboard")


@action(public=True)
async def login(data: LoginIn) -> None:
    """Sign in with email and password and go to ``data.next`` (a same-origin path) or the
    dashboard."""
    auth = _auth()
    limits = auth.config
    email = normalize_email(data.email)
    await auth.limiter.hit(limits.login_ip_limit, "login-ip", context().client_ip())
    await auth.limiter.check(limits.login_email_limit, "login-email", email)
    found = await auth.sessions.user_password_hash(email)
    verified = await auth.hasher.verify(found[1] if found else None, data.password)
    if found is None or not verified.ok:
        await auth.limiter.hit(limits.login_email_limit, "login-email", email)
        raise Unauthorized(_BAD_LOGIN, form_errors=[_BAD_LOGIN])
    user_id = found[0]
    if verified.new_hash is not None:  # the hashing parameters changed since it was stored
        await User.update({User.password_hash: verified.new_hash}).where(User.id == user_id)
    await sign_in(user_id)
    redirect(data.next, fallback="/dashboard")


@action
async def logout() -> None:
    """End this session."""
    await sign_out()
    redirect("/login")


@action(audit=True)
async def logout_everywhere() -> None:
    """End every session of this account, on every device."""
    await sign_out(everywhere=True)
    redirect("/login")


async def _check_password(user_id: int, password: str, field: str) -> None:
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    verified = await _auth().hasher.verify(row["password_hash"] if row else None, password)
    if not verified.ok:
        raise ValidationFailed("Incorrect password", field_errors={field: ["Incorrect password"]})


@action(audit=True)
async def change_password(data: ChangePasswordIn) -> None:
    """Change the password; every other session is signed out."""
    user = await require_user()
    await _check_password(user.id, data.current_password, "current_password")
    auth = _auth()
    new_hash = await auth.hasher.hash(data.new_password)
    await User.update({User.password_hash: new_hash}).where(User.id == user.id)
    await auth.sessions.revoke_all(user.id, keep=context().cookies.get(auth.cookie_name))


@action
async def update_profile(data: ProfileIn) -> UserOut:
    """Update name, bio and website."""
    user = await require_user()
    await User.update(
        {User.name: data.name.strip(), User.bio: data.bio, User.website: data.website}
    ).where(User.id == user.id)
    await user_changed(user.id)  # the signed-in user's name is cached with the session
    revalidate_path("/profile")
    row = (
        await User.select(*User.all_columns(exclude=[User.password_hash]))
        .where(User.id == user.id)
        .first()
    )
    return msgspec.convert(row, UserOut)


@action
async def list_sessions() -> list[SessionOut]:
    """The signed-in devices of this account, the current one marked."""
    user = await require_user()
    current = await get_session()  # the request's own session, already resolved: no query
    columns = (Session.id, Session.created_at, Session.last_seen_at, Session.ip, Session.user_agent)
    rows = await Session.select(*columns).where(Session.user == user.id).order_by(Session.id)
    current_id = current.id if current is not None else None
    return [msgspec.convert({**r, "current": r["id"] == current_id}, SessionOut) for r in rows]


@action
@fragment("profile/_devices.html", paths=["/profile"])
async def device_list() -> dict[str, Any]:
    """The profile page's devices, each with its form: "Sign out" here, "Revoke" elsewhere."""
    return {"sessions": await list_sessions(), "outcomes": await take_outcome()}


@action(audit=Audit(args=["session_id"]))
async def revoke_session(session_id: int) -> None:
    """Sign out one device of this account (403 for another user's session)."""
    row = await Session.select(Session.user).where(Session.id == session_id).first()
    if row is None:
        raise ValidationFailed("No such session", field_errors={"session_id": ["No such session"]})
    await ensure_owner(row["user"])
    await end_session(session_id)  # on every instance's session cache too
    revalidate_path("/profile")


@action(audit=True)
async def delete_account(password: str) -> None:
    """Delete the account and everything it owns, after checking the password."""
    user = await require_user()
    await _check_password(user.id, password, "password")
    exports = await export_files_of(user.id)
    await User.delete().where(User.id == user.id)  # sessions go with it (ON DELETE CASCADE)
    await delete_export_files(exports)  # the rows went with the user; their files follow
    await user_changed(user.id)
    delete_cookie(_auth().cookie_name)
    redirect("/")
