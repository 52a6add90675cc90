"""The app's pages: HTML forms posting to ``/_action`` (they work without JavaScript).

``/`` says what the app is and, while the demo accounts exist outside production, how to sign
in with them (actions/seed.py). ``/dashboard`` greets the user with counts of what they have;
``/profile`` lists the user's devices (this one marked; its button signs out, the others'
revoke that device).

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

from actions.accounts import device_list, list_sessions
from actions.avatars import avatar_image
from actions.schemas import UserOut
from actions.seed import DEMO_ACCOUNTS
from actions.tables import Post, Todo
from authstage import region, take_outcome
from authstage.auth import User, current_user, login_required, require_user, user_required
from authstage.navigation import safe_target
from authstage.pages import endpoint

__all__ = ["api_user", "dashboard", "home", "login_page", "profile_page", "signup_page"]


@get("/", name="home")
async def home() -> Template:
    """What the app is, the way in, and the demo accounts while they exist (never in
    production, where seeding never runs and a like-named account is somebody's own)."""
    emails = [account.email for account in DEMO_ACCOUNTS]
    demo: list[Any] = []
    if not endpoint().config.production:
        found = {r["email"] for r in await User.select(User.email).where(User.email.is_in(emails))}
        demo = [account for account in DEMO_ACCOUNTS if account.email in found]
    return Template(template_name="home.html", context={"demo_accounts": demo})


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
    """The signed-in home page: a greeting and counts of the user's posts, todos, devices."""
    user = await require_user()
    counts = {
        "posts": await Post.count().where(Post.author == user.id),
        "open_todos": await Todo.count().where(Todo.owner == user.id, Todo.completed.eq(False)),
        "devices": len(await list_sessions()),
    }
    return Template(template_name="dashboard.html", context={"user": user, "counts": counts})


@get("/profile", name="profile", guards=[login_required])
async def profile_page() -> Template:
    """Profile, avatar, password, devices and account deletion: one form each (one per
    device)."""
    context: dict[str, Any] = {
        "user": await require_user(),
        "avatar_image": await region(avatar_image),
        "devices": await region(device_list),
        "outcomes": await take_outcome(),
    }
    return Template(template_name="profile.html", context=context)


@get("/api/user", name="api_user", guards=[user_required])
async def api_user() -> dict[str, UserOut]:
    """The signed-in user as JSON (401 ``{"error": "Unauthorized"}`` when signed out)."""
    user = await require_user()
    return {"user": msgspec.convert(user, UserOut, from_attributes=True)}
