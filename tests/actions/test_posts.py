"""Posts end to end on both engines: the pages, their no-JS forms, ownership and likes.

Forms are posted the way a browser without JavaScript posts them: the fields the page rendered
(its bound post ID included), plus what the user typed (``tests.actions.pageforms``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec

from actions import posts, posts_pages
from actions.posts_pages import PAGE_SIZE
from actions.tables import Like, Post
from authstage.auth import User
from authstage.testing import ActionClient
from tests.actions.conftest import db, error_of, session_of, set_session, signup
from tests.actions.pageforms import forms_of

BASE = "http://testserver.local"


async def forms(actions: ActionClient, path: str) -> dict[str, dict[str, Any]]:
    response = await actions.client.get(path)
    assert response.status_code == 200, response.text
    return forms_of(response.text)


async def submit(
    actions: ActionClient, fields: dict[str, str], page: str | None, **typed: str
) -> httpx.Response:
    """Post a rendered form's fields (from ``page``; None: no Referer, so the JSON reply)."""
    headers = {"referer": f"{BASE}{page}"} if page is not None else {}
    return await actions.client.post(
        "/_action", data={**fields, **typed}, headers=headers, follow_redirects=False
    )


async def create(actions: ActionClient, title: str = "Hello", content: str = "World") -> int:
    """Create a post through the action; its ID (from the redirect to its page)."""
    response = await actions.call(posts.create_post, data={"title": title, "content": content})
    body = response.json()
    assert body["ok"] is True, body
    return int(body["redirect"].rsplit("/", 1)[1])


async def rows() -> list[dict[str, Any]]:
    return await db(Post.select(Post.id, Post.title, Post.content, Post.likes).order_by(Post.id))  # type: ignore[no-any-return]


async def test_new_post_form_goes_to_the_new_posts_page(actions: ActionClient) -> None:
    await signup(actions, name="Ada")
    fields = (await forms(actions, "/posts"))["new-post"]["fields"]
    response = await submit(actions, fields, "/posts", title="  First  ", content="Line 1\nLine 2")
    assert response.status_code == 303
    post_id = int(response.headers["location"].removeprefix("/posts/"))
    page = (await actions.client.get(f"/posts/{post_id}")).text
    assert "<h1>First</h1>" in page
    assert "by Ada" in page and "edited" not in page
    assert "<p>Line 1</p><p>Line 2</p>" in page
    assert "Like (0)" in page
    assert [r["title"] for r in await rows()] == ["First"]  # the title's outer spaces dropped


async def test_create_reports_what_it_revalidated(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.call(posts.create_post, data={"title": "t", "content": "c"})
    assert response.json()["revalidate"]["paths"] == ["/posts"]


async def test_invalid_post_shows_field_errors_and_the_typed_values(actions: ActionClient) -> None:
    await signup(actions)
    fields = (await forms(actions, "/posts"))["new-post"]["fields"]
    typed = {"title": "", "content": "x" * 10_001}
    response = await submit(actions, fields, "/posts", **typed)
    assert (response.status_code, response.headers["location"]) == (303, "/posts")
    page = await actions.client.get("/posts")
    assert 'data-field="title">Must not be empty' in page.text
    assert 'data-field="content">Must be at most 10000 characters' in page.text
    assert forms_of(page.text)["new-post"]["fields"]["content"] == typed["content"]
    await submit(actions, fields, "/posts", title="   ", content="\n ")
    page = await actions.client.get("/posts")
    assert page.text.count("Must not be blank") == 2
    assert await rows() == []


async def test_title_of_200_and_content_of_10000_characters_are_accepted(
    actions: ActionClient,
) -> None:
    await signup(actions)
    await create(actions, "é" * 200, "€" * 10_000)
    response = await actions.call(posts.create_post, data={"title": "t" * 201, "content": "c"})
    assert error_of(response)["fieldErrors"] == {"title": ["Must be at most 200 characters"]}
    assert [len(r["title"]) for r in await rows()] == [200]


async def test_signed_out_visitors_read_but_cannot_write(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    set_session(actions, None)
    listing = await actions.client.get("/posts")
    assert "Hello" in listing.text and "new-post" not in listing.text
    page = await actions.client.get(f"/posts/{post_id}")
    assert "0 likes" in page.text and 'name="_bound"' not in page.text
    response = await actions.call(posts.create_post, data={"title": "t", "content": "c"})
    assert response.status_code == 401
    edit = await actions.client.get(f"/posts/{post_id}/edit", follow_redirects=False)
    assert edit.headers["location"] == f"/login?next=/posts/{post_id}/edit"


async def test_the_list_is_newest_first_and_paginated(actions: ActionClient) -> None:
    await signup(actions)
    for n in range(PAGE_SIZE + 2):
        await create(actions, f"Post {n}")
    first = (await actions.client.get("/posts")).text
    assert first.index("Post 11") < first.index("Post 10") < first.index("Post 2")
    assert "Post 1<" not in first and 'href="/posts?page=2"' in first
    second = (await actions.client.get("/posts?page=2")).text
    assert "Post 1<" in second and "Post 0<" in second and "Post 2<" not in second
    past_the_end = (await actions.client.get("/posts?page=99")).text
    assert "Post 0<" in past_the_end  # the last page
    for bad in ["0", "-1", "abc", "99999999999"]:
        assert (await actions.client.get(f"/posts?page={bad}")).status_code == 400


async def test_missing_post_is_404(actions: ActionClient) -> None:
    await signup(actions)
    assert (await actions.client.get("/posts/999")).status_code == 404
    assert (await actions.client.get("/posts/999/edit")).status_code == 404
    response = await actions.call(
        posts.update_post, post_id=999, data={"title": "t", "content": "c"}
    )
    assert error_of(response)["code"] == "NOT_FOUND"


async def test_author_edits_a_post_through_its_form(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    fields = (await forms(actions, f"/posts/{post_id}/edit"))["edit-post"]["fields"]
    assert fields["title"] == "Hello" and fields["content"] == "World"
    response = await submit(actions, fields, f"/posts/{post_id}/edit", title="Changed")
    assert response.headers["location"] == f"/posts/{post_id}"
    page = (await actions.client.get(f"/posts/{post_id}")).text
    assert "<h1>Changed</h1>" in page and "edited" in page
    assert (await rows())[0]["title"] == "Changed"


async def test_failed_edit_keeps_the_typed_values(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    path = f"/posts/{post_id}/edit"
    fields = (await forms(actions, path))["edit-post"]["fields"]
    await submit(actions, fields, path, title="t" * 201, content="typed")
    after = await forms(actions, path)
    assert after["edit-post"]["fields"]["content"] == "typed"
    assert "Must be at most 200 characters" in after["edit-post"]["text"]
    assert (await rows())[0]["content"] == "World"
    assert (await forms(actions, path))["edit-post"]["fields"]["content"] == "World"  # once


async def _two_authors(actions: ActionClient) -> tuple[int, int, dict[str, dict[str, Any]], str]:
    """Ada's post, her post page's and edit page's forms, then Bob signed in with a post."""
    await signup(actions, "ada@example.com", "Ada")
    ada_post = await create(actions, "Ada's")
    ada_forms = await forms(actions, f"/posts/{ada_post}")
    ada_forms |= await forms(actions, f"/posts/{ada_post}/edit")
    set_session(actions, None)
    await signup(actions, "bob@example.com", "Bob")
    bob_post = await create(actions, "Bob's")
    return ada_post, bob_post, ada_forms, session_of(actions)


async def test_another_users_post_cannot_be_edited_or_deleted(actions: ActionClient) -> None:
    ada_post, bob_post, ada_forms, _ = await _two_authors(actions)
    before = await rows()
    page = (await actions.client.get(f"/posts/{ada_post}")).text
    assert "delete-post" not in page and "/edit" not in page  # no forms for Bob
    assert (await actions.client.get(f"/posts/{ada_post}/edit")).status_code == 403
    # Replaying Ada's forms: their bound IDs belong to her session.
    for form in ["edit-post", "delete-post"]:
        response = await submit(actions, ada_forms[form]["fields"], None, title="Bob was here")
        assert response.status_code == 400
        assert "another session" in error_of(response)["message"]
    # Calling the actions with her post's ID: forbidden.
    data = {"title": "Bob was here", "content": "x"}
    assert (await actions.call(posts.update_post, post_id=ada_post, data=data)).status_code == 403
    assert (await actions.call(posts.delete_post, post_id=ada_post)).status_code == 403
    # Changing the ID in his own form: the bound ID wins over any field, and cannot be forged.
    own = (await forms(actions, f"/posts/{bob_post}/edit"))["edit-post"]["fields"]
    tampered = await submit(actions, own | {"_bound": own["_bound"][:-4] + "AAAA"}, None)
    assert tampered.status_code == 400
    assert await rows() == before
    overridden = await submit(actions, own, None, post_id=str(ada_post), title="Bob's, edited")
    assert overridden.headers["location"] == f"/posts/{bob_post}"
    after = {r["id"]: r["title"] for r in await rows()}
    assert after == {ada_post: "Ada's", bob_post: "Bob's, edited"}


async def test_author_deletes_a_post_and_its_likes(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    await actions.call(posts.toggle_like, post_id=post_id)
    fields = (await forms(actions, f"/posts/{post_id}"))["delete-post"]["fields"]
    response = await submit(actions, fields, f"/posts/{post_id}")
    assert (response.status_code, response.headers["location"]) == (303, "/posts")
    assert await rows() == []
    assert await db(Like.count()) == 0
    assert (await actions.client.get(f"/posts/{post_id}")).status_code == 404


async def test_double_submitted_create_makes_one_post_per_rendered_form_or_key(
    actions: ActionClient,
) -> None:
    # The same rendered form posted twice is one post (its one-time key: formonce.py); the
    # page rendered again makes a new form, and two identical posts are allowed then.
    await signup(actions)
    fields = (await forms(actions, "/posts"))["new-post"]["fields"]
    for _ in range(2):
        await submit(actions, fields, "/posts", title="Twice", content="c")
    assert len(await rows()) == 1
    fresh = (await forms(actions, "/posts"))["new-post"]["fields"]
    await submit(actions, fresh, "/posts", title="Twice", content="c")
    assert len(await rows()) == 2
    data = {"title": "Once", "content": "c"}
    key = {"idempotency-key": "create-once-1"}
    first = await actions.call(posts.create_post, headers=key, data=data)
    again = await actions.call(posts.create_post, headers=key, data=data)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert [r["title"] for r in await rows()] == ["Twice", "Twice", "Once"]


async def test_like_toggles_and_the_page_shows_it(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    fields = (await forms(actions, f"/posts/{post_id}"))["like"]["fields"]
    response = await submit(actions, fields, f"/posts/{post_id}")
    assert response.headers["location"] == f"/posts/{post_id}"
    page = (await actions.client.get(f"/posts/{post_id}")).text
    assert 'aria-pressed="true">Unlike (1)' in page
    fields = (await forms(actions, f"/posts/{post_id}"))["like"]["fields"]  # as re-rendered
    unliked = await submit(actions, fields, None)
    assert unliked.json()["data"] == {"liked": False, "likes": 0}
    again = (await actions.call(posts.toggle_like, post_id=post_id)).json()
    assert again["data"] == {"liked": True, "likes": 1}
    assert again["revalidate"] == {
        "paths": ["/posts", f"/posts/{post_id}"],
        "tags": ["posts", f"post:{post_id}"],
    }
    assert await db(Like.count()) == 1


async def test_a_like_refreshes_the_pages_regions_in_its_own_reply(actions: ActionClient) -> None:
    await signup(actions)
    post_id = await create(actions)
    page = (await actions.client.get(f"/posts/{post_id}")).text
    region = f'data-authstage-region="{actions.id_of(posts_pages.like_button)}"'
    assert region in page
    reads = [
        {"action": actions.id_of(posts_pages.like_button), "args": {"post_id": post_id}},
        {"action": actions.id_of(posts_pages.post_list), "args": {"page": 1}},
    ]
    refresh = {"authstage-refresh": msgspec.json.encode(reads).decode()}
    body = (await actions.call(posts.toggle_like, headers=refresh, post_id=post_id)).json()
    button, listing = body["refresh"]
    assert 'aria-pressed="true">Unlike (1)' in button["data"]
    assert "1 like<" in listing["data"]


async def test_like_of_a_missing_post_is_404_and_changes_nothing(actions: ActionClient) -> None:
    await signup(actions)
    response = await actions.call(posts.toggle_like, post_id=12345)
    assert error_of(response)["code"] == "NOT_FOUND"
    assert await db(Like.count()) == 0


async def test_seed_demo_makes_posts_with_consistent_likes(actions: ActionClient) -> None:
    await signup(actions, "admin@example.com", "Admin")
    set_session(actions, None)
    await signup(actions, "user@example.com", "User")
    admin, user = [r["id"] for r in await db(User.select(User.id).order_by(User.id))]
    # On the app's event loop, where its PostgreSQL pool lives.
    await asyncio.to_thread(actions.client.blocking_portal.call, posts.seed_demo, admin, user)
    seeded = await rows()
    assert len(seeded) == len(posts.DEMO_POSTS)
    assert sum(r["likes"] for r in seeded) == await db(Like.count()) > 0
    assert "Likes are atomic" in (await actions.client.get("/posts")).text
