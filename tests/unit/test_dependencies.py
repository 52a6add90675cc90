"""What a read depends on: declared once by ``@depends_on`` or ``@cached``, matched exactly."""

from __future__ import annotations

import pytest

from authstage import Cache, ConfigurationError, depends_on
from authstage.dependencies import dependencies_of


@depends_on(tags=lambda owner: [f"todos:{owner}"], paths=["/todos"])
async def todos_of(owner: str, page: int = 1) -> list[str]:
    return []


def test_a_read_is_affected_by_its_own_tags_and_paths_only() -> None:
    deps = dependencies_of(todos_of)
    assert deps is not None
    assert deps.affected(("ada",), {}, [], ["todos:ada"])
    assert not deps.affected(("bob",), {}, [], ["todos:ada"])
    assert deps.affected((), {"owner": "bob"}, ["/todos"], [])
    assert not deps.affected(("ada",), {}, ["/todos/1", "/"], ["todos"])  # exact, not prefixes


def test_cached_declares_its_tags_as_dependencies_and_keeps_depends_on() -> None:
    cache = Cache("memory://")

    @cache.cached(tags=["posts"])
    @depends_on(paths=["/posts"])
    async def posts(page: int = 1) -> list[str]:
        return []

    deps = dependencies_of(posts)
    assert deps is not None
    assert deps.affected((), {}, [], ["posts"])
    assert deps.affected((2,), {}, ["/posts"], [])
    assert not deps.affected((), {}, [], ["users"])


def test_an_undeclared_function_has_no_dependencies() -> None:
    async def plain() -> int:
        return 1

    assert dependencies_of(plain) is None


def test_depends_on_needs_something_to_depend_on() -> None:
    with pytest.raises(ConfigurationError, match="give tags=, paths= or both"):

        @depends_on()
        async def nothing() -> int:
            return 1


def test_depends_on_refuses_a_tags_function_of_unknown_arguments() -> None:
    with pytest.raises(ConfigurationError, match="unknown"):

        @depends_on(tags=lambda owner: [owner])
        async def nobody(user: str) -> int:
            return 1
