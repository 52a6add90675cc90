"""``/search?q=`` on both engines: a plain GET form over the posts' titles and contents.

What the user types is matched literally (``%``, ``_`` and ``\\`` are not wildcards), whatever
its case, in any script; an empty query shows the form only; an over-long one is cut to
``MAX_QUERY`` characters and says so; nothing a query holds makes a 500.
"""

from __future__ import annotations

import re

from actions import posts
from actions.posts_pages import MAX_QUERY, SEARCH_LIMIT
from authstage.testing import ActionClient
from tests.actions.conftest import set_session, signup

POSTS = [
    ("Python tips", "Use a virtual environment."),
    ("Summer notes", "Das Wetter an der Straße war schön."),
    ("École", "Une journée à l'école."),
    ("Discounts", "100% sure it was a_b testing"),
    ("Numbers", "1000 things, axb style, C:\\path"),
]


async def _found(actions: ActionClient, q: str) -> list[str]:
    """The titles found for ``q`` (the page must answer 200)."""
    page = await actions.client.get("/search", params={"q": q})
    assert page.status_code == 200, page.text
    assert "Traceback" not in page.text
    return re.findall(r'<li><a href="/posts/\d+">([^<]*)</a>', page.text)


async def _seeded(actions: ActionClient) -> None:
    await signup(actions)
    for title, content in POSTS:
        await actions.call(posts.create_post, data={"title": title, "content": content})
    set_session(actions, None)  # anyone may search


async def test_title_and_content_are_searched_ignoring_case(actions: ActionClient) -> None:
    await _seeded(actions)
    assert await _found(actions, "PYTHON") == ["Python tips"]
    assert await _found(actions, "virtual ENVIRONMENT") == ["Python tips"]
    assert await _found(actions, "notes") == ["Summer notes"]
    assert await _found(actions, "nothing like this") == []


async def test_unicode_case_is_ignored_the_same_on_both_engines(actions: ActionClient) -> None:
    await _seeded(actions)
    assert await _found(actions, "ÉCOLE") == ["École"]
    assert await _found(actions, "JOURNÉE") == ["École"]
    assert await _found(actions, "STRASSE") == ["Summer notes"]  # ß folds to ss
    assert await _found(actions, "e\u0301cole") == ["École"]  # e + combining accent


async def test_wildcards_typed_by_the_user_are_literal(actions: ActionClient) -> None:
    await _seeded(actions)
    assert await _found(actions, "100%") == ["Discounts"]  # not "1000"
    assert await _found(actions, "a_b") == ["Discounts"]  # not "axb"
    assert await _found(actions, "%") == ["Discounts"]
    assert await _found(actions, "_") == ["Discounts"]
    assert await _found(actions, "C:\\path") == ["Numbers"]
    assert await _found(actions, "\\") == ["Numbers"]


async def test_empty_query_shows_the_form_only(actions: ActionClient) -> None:
    await _seeded(actions)
    for q in ["", "   "]:
        page = await actions.client.get("/search", params={"q": q})
        assert page.status_code == 200
        assert 'name="q"' in page.text and "found" not in page.text
    assert (await actions.client.get("/search")).status_code == 200


async def test_over_long_query_is_cut_and_says_so(actions: ActionClient) -> None:
    await _seeded(actions)
    page = await actions.client.get("/search", params={"q": "Python" + "x" * 10_000})
    assert page.status_code == 200
    assert f"Only the first {MAX_QUERY} characters were searched." in page.text
    assert f'value="Python{"x" * (MAX_QUERY - 6)}"' in page.text


async def test_hostile_queries_answer_200_and_are_escaped(actions: ActionClient) -> None:
    await _seeded(actions)
    assert await _found(actions, "<script>alert(1)</script>") == []
    page = await actions.client.get("/search", params={"q": "<script>"})
    assert "<script>" not in page.text.split("<body>", 1)[1]
    assert await _found(actions, "Python\x00") == ["Python tips"]  # NUL dropped
    assert await _found(actions, "'; DROP TABLE post; --") == []
    raw = await actions.client.get("/search?q=%FF%FE")  # not UTF-8
    assert raw.status_code < 500
    assert await _found(actions, "Python") == ["Python tips"]


async def test_results_are_limited_newest_first(actions: ActionClient) -> None:
    await signup(actions)
    for n in range(SEARCH_LIMIT + 3):
        await actions.call(posts.create_post, data={"title": f"Match {n}", "content": "same"})
    page = await actions.client.get("/search", params={"q": "same"})
    found = re.findall(r'<li><a href="/posts/\d+">([^<]*)</a>', page.text)
    assert len(found) == SEARCH_LIMIT
    assert found[0] == f"Match {SEARCH_LIMIT + 2}"
    assert f"{SEARCH_LIMIT + 3} posts found, the newest {SEARCH_LIMIT} shown" in page.text
