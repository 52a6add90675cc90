"""The account schemas, from the seeds (zod) to msgspec: signup, login, profile, password.

- signup: email valid, password >= 8, name >= 2 (``signupSchema``);
- profile: name 2-50, bio <= 500, website a URL (``updateProfileSchema``).

Upper bounds everywhere (a 1 MB password is refused by validation, before any hashing).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from authstage.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

__all__ = [
    "ChangePasswordIn",
    "Email",
    "LoginIn",
    "ProfileIn",
    "SessionOut",
    "SignupIn",
    "UserOut",
]

Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")
]
Password = Annotated[
    str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]
AnyPassword = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=50)]
Url = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://[^\s/$.?#][^\s]*$")]


class SignupIn(msgspec.Struct):
    """A new account."""

    email: Email
    password: Password
    name: Name


class LoginIn(msgspec.Struct):
    """Credentials, and where to go once signed in."""

    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: AnyPassword
    #: The page that sent the visitor to log in (``/login?next=...``). Any value is accepted
    #: here: one that is not a same-origin path (or is longer than a redirect may be) lands on
    #: the dashboard instead of failing the login; the body limit bounds its size.
    next: str = ""


class ChangePasswordIn(msgspec.Struct):
    """The current password, to prove it is you, and the new one."""

    current_password: AnyPassword
    new_password: Password


class ProfileIn(msgspec.Struct):
    """The editable profile."""

    name: Name
    bio: Annotated[str, msgspec.Meta(max_length=500)] = ""
    website: Url | None = None


class UserOut(msgspec.Struct):
    """A user as callers see it: never the password hash."""

    id: int
    email: str
    name: str
    role: str
    avatar: str | None = None
    bio: str = ""
    website: str | None = None


class SessionOut(msgspec.Struct):
    """One signed-in device of the current user."""

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    ip: str
    user_agent: str
    current: bool
