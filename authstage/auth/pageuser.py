"""The signed-in user in templates: ``{% set me = current_user() %}`` in any page or layout.

Jinja renders synchronously, so a template cannot await ``current_user()``; and a layout that
shows "Signed in as Ada · Log out" on every page should not need every page handler to pass the
user in. So the plugin gives ``PageContext`` (pagecontext.py) ``prepare_page``, which resolves
the session of a request for an HTML page before its handler runs (one query, memoized: the
handler's own ``current_user()`` reuses it; none at all without a session cookie), and installs
``page_user`` as the template global ``current_user``, which only reads what was resolved.

A request that was not prepared (not a GET for HTML) shows as signed out in the layout; its
handler still gets the real user from ``current_user()``. A session lookup that fails here
(the database is down) is left for the handler to meet again, through Litestar's exception
handling and the app's error page, rather than failing outside of it.
"""

from __future__ import annotations

import logging

from authstage.auth.current import auth_runtime, get_session
from authstage.auth.sessions import SessionInfo, UserInfo
from authstage.context import RequestContext, context

__all__ = ["page_user", "prepare_page"]

logger = logging.getLogger("authstage.auth")


async def prepare_page(ctx: RequestContext) -> None:
    """Resolve the request's session, if it has a session cookie, as its principal."""
    auth = auth_runtime(ctx)
    if auth is None or not ctx.cookies.get(auth.cookie_name):
        return
    try:
        session = await get_session()
    except Exception:  # met again, and answered properly, by the handler that needs the user
        logger.debug("session lookup before the page failed", exc_info=True)
        return
    if session is not None:
        ctx.principal = session


def page_user() -> UserInfo | None:
    """The signed-in user of the page being rendered (None when signed out or not prepared)."""
    principal = context().principal
    return principal.user if isinstance(principal, SessionInfo) else None
