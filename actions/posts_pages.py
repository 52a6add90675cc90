"""The posts pages: the list, one post, its edit form, and search.

Anyone may read; writing needs a signed-in user: ``/posts/{id}/edit`` sends signed-out visitors
to ``/login?next=...`` (``login_required``), answers 404 for a missing post and 403 for someone
else's. The forms post to ``/_action`` and work without JavaScript: an error comes back to the
page that posted it, in the form that failed only (``outcomes.for_action``).

The parts of a page that an action changes are fragments (``authstage.fragment``): the list
(``post_list``, ``posts/_list.html``, refreshed when ``/posts`` is revalidated) and the like
button (``like_button``, ``posts/_like.html``, with ``/posts/<id>``). Pages place them with
``region()``; with JavaScript a like swaps in the fresh button in the like's own reply. They
are public reads kept out of the generated clients (``client=False``): only pages reach them.

Search (``/search?q=``) is a plain GET form. It matches the folded title and content
(``authstage.search``: wildcards typed by the user are literal, case is ignored the same way on
both engines, for every script); the query is trimmed to ``MAX_QUERY`` characters, an empty one
shows the form only, and at most ``SEARCH_LIMIT`` results are listed, newest first.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from actions.tables import Like, Post
from authstage import action, contains, fold, fragment, region, take_outcome
from authstage.auth import current_user, login_required

__all__ = [
    "MAX_QUERY",
    "PAGE_SIZE",
    "SEARCH_LIMIT",
    "edit_post_page",
    "like_button",
    "post_list",
    "post_page",
    "posts_page",
    "search_page",
]

PAGE_SIZE = 10
#: Longer queries are cut to this many characters (and the page says so).
MAX_QUERY = 100
SEARCH_LIMIT = 20
MAX_PAGE = 1_000_000
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]

_SUMMARY = (
    Post.id,
    Post.title,
    Post.likes,
    Post.created_at,
    Post.author.name.as_alias("author_name"),
)


@action(public=True, client=False)
@fragment("posts/_list.html", paths=["/posts"])
async def post_list(page: Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)] = 1) -> dict[str, Any]:
    """The list's context: one page of posts, newest first (a page past the end shows the last)."""
    total = await Post.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    posts = await (
        Post.select(*_SUMMARY)
        .order_by(Post.created_at, Post.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return {"posts": posts, "page": page, "pages": pages, "total": total}


@action(public=True, client=False)
@fragment("posts/_like.html", paths=lambda post_id: [f"/posts/{post_id}"])
async def like_button(post_id: int) -> dict[str, Any]:
    """The like button's context: the count, whether the signed-in visitor likes it, and the
    outcome of a like posted without JavaScript (its error shows in the button's form)."""
    row = await Post.select(Post.likes).where(Post.id == post_id).first()
    user = await current_user()
    liked = user is not None and await Like.exists().where(
        (Like.post == post_id) & (Like.user == user.id)
    )
    return {
        "post_id": post_id,
        "likes": row["likes"] if row else 0,
        "liked": liked,
        "signed_in": user is not None,
        "outcomes": await take_outcome(),
    }


async def _post(post_id: int) -> dict[str, Any]:
    row = await (
        Post.select(
            *Post.all_columns(exclude=[Post.search_text]), Post.author.name.as_alias("author_name")
        )
        .where(Post.id == post_id)
        .first()
    )
    if row is None:
        raise NotFoundException("No such post")
    return row


@get("/posts", name="posts")
async def posts_page(page: Page = 1) -> Template:
    """All posts, newest first, ``PAGE_SIZE`` a page; a "New post" form when signed in."""
    context = {
        "user": await current_user(),
        "outcomes": await take_outcome(),
        "posts": await region(post_list, page=page),
    }
    return Template(template_name="posts/list.html", context=context)


@get("/posts/{post_id:int}", name="post")
async def post_page(post_id: FromPath[int]) -> Template:
    """One post: author, dates, like button; edit and delete for its author."""
    post = await _post(post_id)
    user = await current_user()
    context = {
        "post": post,
        "user": user,
        "mine": user is not None and user.id == post["author"],
        "outcomes": await take_outcome(),
        "like": await region(like_button, post_id=post_id),
    }
    return Template(template_name="posts/post.html", context=context)


@get("/posts/{post_id:int}/edit", name="edit_post", guards=[login_required])
async def edit_post_page(post_id: FromPath[int]) -> Template:
    """The edit form of one's own post (403 for another's, 404 for a missing one)."""
    post = await _post(post_id)
    user = await current_user()
    if user is None or user.id != post["author"]:
        raise PermissionDeniedException("Only the author can edit this post")
    context = {"post": post, "outcomes": await take_outcome()}
    return Template(template_name="posts/edit.html", context=context)


@get("/search", name="search")
async def search_page(q: FromQuery[str] = "") -> Template:
    """Posts whose title or content contains ``q``, whatever its case."""
    query = q.replace("\x00", "").strip()  # NUL: PostgreSQL cannot take it in a parameter
    trimmed = len(query) > MAX_QUERY
    query = query[:MAX_QUERY]
    context: dict[str, Any] = {
        "q": query,
        "trimmed": trimmed,
        "max_query": MAX_QUERY,
        "results": [],
        "total": 0,
    }
    if query:
        where = contains(Post.search_text, fold(query))
        context["total"] = await Post.count().where(where)
        context["results"] = await (
            Post.select(*_SUMMARY, Post.content)
            .where(where)
            .order_by(Post.created_at, Post.id, ascending=False)
            .limit(SEARCH_LIMIT)
        )
    return Template(template_name="posts/search.html", context=context)
