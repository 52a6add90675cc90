"""Actions that change data and revalidate it, for the data cache's tests (test_cache.py)."""

from __future__ import annotations

from authstage import action, revalidate_path, revalidate_tag

#: The "database" the cached reads in test_cache.py read: post id -> title.
POSTS: dict[int, str] = {}


@action(public=True)
async def rename_post(post_id: int, title: str) -> None:
    """Change one post; entries tagged with it are stale."""
    POSTS[post_id] = title
    revalidate_tag(f"post:{post_id}")


@action(public=True)
async def add_post(title: str) -> int:
    """Add a post; everything shown on /posts is stale."""
    post_id = max(POSTS, default=0) + 1
    POSTS[post_id] = title
    revalidate_path("/posts")
    return post_id
