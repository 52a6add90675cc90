"""Pages get their request context whatever hooks the app, its routers, controllers and handlers
set: the helpers work, cookies reach the browser, and the user's own hooks still run."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Controller, Litestar, Request, Router, get
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, set_cookie
from authstage.auth import AuthConfig
from authstage.auth.accounts import create_user
from authstage.auth.current import current_user, sign_in
from authstage.db import Database
from authstage.pagecontext import PageContext
from authstage.testing import ActionClient
from tests.conftest import FAST_HASHER
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET

RAN: list[str] = []


def _hooks(layer: str) -> dict[str, Any]:
    async def before(request: Request[Any, Any, Any]) -> None:
        RAN.append(f"before {layer}")

    async def after(response: Any) -> Any:
        RAN.append(f"after {layer}")
        return response

    return {"before_request": before, "after_request": after}


async def _whoami(layer: str) -> dict[str, Any]:
    user = await current_user()
    set_cookie("layer", layer)
    return {"user": user.email if user is not None else None}


@get("/app")
async def app_page() -> dict[str, Any]:
    return await _whoami("app")


@get("/page")
async def router_page() -> dict[str, Any]:
    return await _whoami("router")


@get("/login")
async def login() -> dict[str, Any]:
    user_id = await create_user(
        "ada@example.com", "Ada", "correct horse battery", hasher=FAST_HASHER
    )
    await sign_in(user_id)  # sets the session cookie from a route whose router has hooks
    return {}


_controller_hooks = _hooks("controller")


class Pages(Controller):
    path = "/controller"
    before_request = _controller_hooks["before_request"]
    after_request = _controller_hooks["after_request"]

    @get("/")
    async def page(self) -> dict[str, Any]:
        return await _whoami("controller")


@get("/handler", **_hooks("handler"))
async def handler_page() -> dict[str, Any]:
    return await _whoami("handler")


def _app(database_url: str) -> Litestar:
    database = Database(database_url, migrate_on_startup=False)
    auth = AuthConfig(hasher=FAST_HASHER, rate_limit_storage="async+memory://")
    return Litestar(
        [
            app_page,
            Router("/router", route_handlers=[router_page, login], **_hooks("router")),
            Pages,
            handler_page,
        ],
        plugins=[AuthstagePlugin(actions=[sa], secret=SECRET, auth=auth)],
        on_startup=[database.startup],
        on_shutdown=[database.shutdown],
        **_hooks("app"),
    )


@pytest.mark.usefixtures("database")
async def test_helpers_and_cookies_work_under_hooks_on_every_layer(database_url: str) -> None:
    RAN.clear()
    async with AsyncTestClient(_app(database_url)) as client:
        signed_in = await client.get("/router/login")
        assert signed_in.status_code == 200, signed_in.text
        assert "authstage_session" in signed_in.cookies
        for path, layer in [
            ("/app", "app"),
            ("/router/page", "router"),
            ("/controller", "controller"),
            ("/handler", "handler"),
        ]:
            RAN.clear()
            response = await client.get(path)
            assert response.status_code == 200, response.text
            assert response.json() == {"user": "ada@example.com"}
            assert response.cookies["layer"] == layer
            ran = list(RAN)
            assert ran == [f"before {layer}", f"after {layer}"]  # the closest layer's hooks


async def test_action_calls_do_not_pass_through_the_page_context() -> None:
    app = Litestar([app_page], plugins=[AuthstagePlugin(actions=[sa], secret=SECRET)])
    async with AsyncTestClient(app) as client:
        handler = app.asgi_handler
        assert not isinstance(handler, PageContext)  # the fast path is in front of it
        assert isinstance(getattr(handler, "inner", None), PageContext)
        assert (await ActionClient(client).call(sa.add, a=1, b=2)).json()["data"] == 3
    async with AsyncTestClient(app):  # a second startup wraps nothing twice
        assert isinstance(getattr(app.asgi_handler, "inner", None), PageContext)
        assert not isinstance(getattr(app.asgi_handler.inner, "inner", None), PageContext)  # type: ignore[attr-defined]


async def test_the_apps_before_send_hooks_see_the_cookies_pages_set() -> None:
    seen: list[bytes] = []

    async def record(message: Any, scope: Any) -> None:
        if message["type"] == "http.response.start":
            seen.extend(v for k, v in message["headers"] if k.lower() == b"set-cookie")

    @get("/plain")
    async def plain() -> str:
        set_cookie("flavour", "oat")
        return "ok"

    plugin = AuthstagePlugin(actions=[sa], secret=SECRET)
    app = Litestar([plain], plugins=[plugin], before_send=[record])
    async with AsyncTestClient(app) as client:
        response = await client.get("/plain")
    assert response.cookies["flavour"] == "oat"
    assert any(v.startswith(b"flavour=oat") for v in seen)
