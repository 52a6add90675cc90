"""A form posted twice without JavaScript runs its action once (formonce.py), on both engines."""

from __future__ import annotations

import asyncio

from actions.tables import Like, Post
from authstage.formonce import form_key
from authstage.testing import ActionClient
from tests.actions.conftest import db, signup
from tests.actions.pageforms import page_forms, post_form

NEW_POST = {"title": "Twice?", "content": "Clicked twice."}


async def test_a_double_click_on_a_no_js_form_creates_one_post_and_both_land_alike(
    actions: ActionClient,
) -> None:
    await signup(actions)
    form = (await page_forms(actions, "/posts"))["new-post"]["fields"]
    assert form["_once"]  # every rendered form carries its one-time key
    first, second = await asyncio.gather(
        post_form(actions, "/posts", form, **NEW_POST),
        post_form(actions, "/posts", form, **NEW_POST),
    )
    assert await db(Post.count()) == 1
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    replayed = [r for r in (first, second) if r.headers.get("idempotent-replayed") == "true"]
    assert len(replayed) == 1
    # Later, from the browser's history: the same rendered form again is still one post.
    again = await post_form(actions, "/posts", form, **NEW_POST)
    assert again.headers["location"] == first.headers["location"]
    assert await db(Post.count()) == 1


async def test_the_same_rendered_form_with_other_values_is_another_post(
    actions: ActionClient,
) -> None:
    await signup(actions)
    form = (await page_forms(actions, "/posts"))["new-post"]["fields"]
    await post_form(actions, "/posts", form, **NEW_POST)
    await post_form(actions, "/posts", form, title="Changed my mind", content="Another one.")
    assert await db(Post.count()) == 2


async def test_a_failed_post_is_not_kept_so_a_fixed_resend_runs(actions: ActionClient) -> None:
    await signup(actions)
    form = (await page_forms(actions, "/posts"))["new-post"]["fields"]
    refused = await post_form(actions, "/posts", form, title="", content="No title")
    assert refused.status_code == 303  # back to the page, with the error
    assert await db(Post.count()) == 0
    await post_form(actions, "/posts", form, title="", content="No title")
    assert await db(Post.count()) == 0
    await post_form(actions, "/posts", form, **NEW_POST)
    assert await db(Post.count()) == 1


async def test_a_like_button_clicked_twice_likes_once(actions: ActionClient) -> None:
    await signup(actions)
    form = (await page_forms(actions, "/posts"))["new-post"]["fields"]
    located = await post_form(actions, "/posts", form, **NEW_POST)
    path = located.headers["location"]
    post_id = (await db(Post.select(Post.id).first()))["id"]
    like = (await page_forms(actions, f"/posts/{post_id}"))["like"]["fields"]
    await asyncio.gather(post_form(actions, path, like), post_form(actions, path, like))
    assert await db(Like.count()) == 1
    assert (await db(Post.select(Post.likes).first()))["likes"] == 1


def test_keys_no_form_of_ours_made_are_ignored() -> None:
    arguments = ((), {"title": "x"})
    assert form_key("", arguments) is None
    assert form_key("x" * 65, arguments) is None
    assert form_key("sp ace\n", arguments) is None
    assert form_key("énorme", arguments) is None
    made = form_key("abc", arguments)
    assert made is not None and made[0].startswith(b"form:abc:")
    other = form_key("abc", ((), {"title": "y"}))
    assert other is not None and other[0] != made[0]
