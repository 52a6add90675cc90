"""The app's pages: HTML forms posting to ``/_action`` (they work without JavaScript).

``/login`` and ``/signup`` show the outcome of the last post (errors next to their inputs, the
values typed, never the password). Templates get ``outcomes`` and each form asks for its own
(``outcomes.for_action(...)``), so on ``/profile`` a failed password change leaves the profile
form showing the saved profile. ``/dashboard`` and ``/profile`` need a signed-in user and
send everyone else to ``/login?next=<the page>``; the login form carries ``next`` in a hidden
field (only a same-origin path, checked by ``safe_target``), and a visitor already signed in is
sent straight there. ``GET /api/user`` is the seeds' protected JSON route (401).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from actions.schemas import UserOut
from authstage import take_outcome
from authstage.auth import current_user, login_required, require_user, user_required
from authstage.auth.tables import Session
from authstage.navigation import safe_target

__all__ = ["api_user", "dashboard", "login_page", "profile_page", "signup_page"]


async def _form_page(template: str, next_path: str = "") -> Template | Redirect:
    target = safe_target(next_path) or ""
    if await current_user() is not None:
        return Redirect(target or "/dashboard", status_code=303)
    context = {"outcomes": await take_outcome(), "next": target}
    return Template(template_name=template, context=context)


@get("/login", name="login")
async def login_page(
    next_path: Annotated[str, QueryParameter(name="next")] = "",
) -> Template | Redirect:
    """The login form, going on to ``next`` once signed in."""
    return await _form_page("login.html", next_path)


@get("/signup", name="signup")
async def signup_page() -> Template | Redirect:
    """The signup form."""
    return await _form_page("signup.html")


@get("/dashboard", name="dashboard", guards=[login_required])
async def dashboard() -> Template:
    """The signed-in home page."""
    return Template(template_name="dashboard.html", context={"user": await require_user()})


@get("/profile", name="profile", guards=[login_required])
async def profile_page() -> Template:
    """Profile, password, devices and account deletion: one form each (one per device)."""
    user = await require_user()
    sessions = await Session.select(Session.id, Session.created_at, Session.user_agent).where(
        Session.user == user.id
    )
    context: dict[str, Any] = {"user": user, "sessions": sessions, "outcomes": await take_outcome()}
    return Template(template_name="profile.html", context=context)


@get("/api/user", name="api_user", guards=[user_required])
async def api_user() -> dict[str, UserOut]:
    """The signed-in user as JSON (401 ``{"error": "Unauthorized"}`` when signed out)."""
    user = await require_user()
    return {"user": msgspec.convert(user, UserOut, from_attributes=True)}
