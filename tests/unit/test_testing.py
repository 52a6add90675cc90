"""The test caller: actions called directly, with or without a principal."""

from __future__ import annotations

import pytest
from litestar import Litestar

from authstage import Unauthorized, ValidationFailed
from authstage.testing import ActionCaller
from tests.unit import sample_actions as sa


async def test_direct_call_returns_the_wire_value(app: Litestar) -> None:
    call = ActionCaller(app)
    assert await call(sa.add, 1, 2) == 3
    post = await call(sa.create_post, sa.NewPost(title="t", content="ccc"))
    assert post == sa.PostOut(id=7, title="t")


async def test_direct_call_validates_like_the_wire(app: Litestar) -> None:
    with pytest.raises(ValidationFailed) as info:
        await ActionCaller(app)(sa.add, 1, "two")
    assert info.value.field_errors == {"b": ["Must be a whole number"]}


async def test_private_action_needs_a_principal(app: Litestar) -> None:
    with pytest.raises(Unauthorized):
        await ActionCaller(app)(sa.private_thing)
    assert await ActionCaller(app, principal={"id": 1})(sa.private_thing) == "secret"


async def test_run_reports_navigation_and_cookies() -> None:
    caller = ActionCaller()
    result = await caller.run(sa.go_dashboard)
    assert result.redirect == "/dashboard" and result.value is None
    posted = await caller.run(sa.create_post, data=sa.NewPost(title="t", content="ccc"))
    assert posted.revalidated_paths == ["/posts"] and posted.revalidated_tags == ["posts"]
    seen = await ActionCaller(headers={"user-agent": "ua"}, cookies={"theme": "x"}).run(sa.whoami)
    assert seen.value == {"agent": "ua", "theme": "x"} and seen.cookies == {"seen": "yes"}
