"""The fast path: /_action answered in front of the router, only when that skips nothing."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin
from authstage.fastpath import ActionFastPath
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET


@get("/ping")
async def ping() -> str:
    return "pong"


def make(**kwargs: Any) -> Litestar:
    fast = kwargs.pop("fast_path", True)
    return Litestar(
        [ping], plugins=[AuthstagePlugin(actions=[sa], secret=SECRET, fast_path=fast)], **kwargs
    )


async def test_installed_at_startup_and_everything_still_works() -> None:
    app = make()
    async with AsyncTestClient(app) as client:
        assert isinstance(app.asgi_handler, ActionFastPath)
        assert (await ActionClient(client).call(sa.add, a=1, b=2)).json()["data"] == 3
        assert (await client.get("/ping")).text == "pong"
        assert (await client.get("/_action")).status_code == 405
        assert (await client.get("/_action/manifest")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404


async def test_not_taken_when_it_would_skip_app_middleware() -> None:
    seen: list[str] = []

    def middleware(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["path"])
            await app(scope, receive, send)

        return wrapped

    app = make(middleware=[middleware])
    async with AsyncTestClient(app) as client:
        assert not isinstance(app.asgi_handler, ActionFastPath)
        assert (await ActionClient(client).call(sa.add, a=1, b=2)).json()["data"] == 3
    assert seen == ["/_action"]


async def test_not_taken_with_cors_or_when_turned_off() -> None:
    for app in (
        make(cors_config=CORSConfig(allow_origins=["https://a.example"])),
        make(fast_path=False),
    ):
        async with AsyncTestClient(app) as client:
            assert not isinstance(app.asgi_handler, ActionFastPath)
            assert (await ActionClient(client).call(sa.add, a=2, b=2)).json()["data"] == 4
