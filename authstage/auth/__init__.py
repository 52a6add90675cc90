"""Authentication: users, sessions, passwords, and the helpers that protect actions and routes."""

from authstage.auth.config import Auth, AuthConfig
from authstage.auth.current import (
    current_user,
    ensure_owner,
    get_session,
    require_role,
    require_user,
    revoke_session,
    sign_in,
    sign_out,
    user_changed,
)
from authstage.auth.guards import login_required, role_required, user_required
from authstage.auth.passwords import PasswordHasher
from authstage.auth.sessions import SessionInfo, UserInfo
from authstage.auth.tables import Session, User

__all__ = [
    "Auth",
    "AuthConfig",
    "PasswordHasher",
    "Session",
    "SessionInfo",
    "User",
    "UserInfo",
    "current_user",
    "ensure_owner",
    "get_session",
    "login_required",
    "require_role",
    "require_user",
    "revoke_session",
    "role_required",
    "sign_in",
    "sign_out",
    "user_changed",
    "user_required",
]
