"""What a read depends on: the tags and paths whose revalidation makes its value stale.

A read (an action that returns data, or a cached function) declares them once, and the same
declaration serves the data cache (cache.py: an entry is stale once one of its tags or paths is
revalidated) and single-flight refresh (refresh.py: a read a client displays is re-run after a
mutation that revalidated one of them). Two ways to declare, both checked at import:

    @action(public=True)
    @cached(tags=["todos"])                 # the cache's tags are the read's dependencies
    async def list_todos() -> list[Todo]: ...

    @action
    @depends_on(tags=lambda owner: [f"todos:{owner}"], paths=["/todos"])
    async def todos_of(owner: int) -> list[Todo]: ...   # no cache, same declaration

Tags and paths are lists, or functions of some of the function's arguments (by name), so a
read of one user's data can depend on that user's tag only. The declaration is an attribute on
the function (``dependencies_of``): no registry change, and an action stays a plain function.
Matching is exact (``revalidate_path("/todos")`` does not touch ``/todos/1``), as in the cache.
Cost: nothing per call; binding a read's arguments to its signature when a refresh asks about it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from authstage.errors import ConfigurationError

__all__ = [
    "Dependencies",
    "TagSource",
    "declare",
    "dependencies_of",
    "depends_on",
    "tag_function",
]

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__authstage_dependencies__"

#: Tags (or paths) of a read: fixed, or computed from some of its arguments.
TagSource = Sequence[str] | Callable[..., Iterable[str]]
#: ``f(arguments by name) -> tags``, compiled once from a ``TagSource``.
TagFunction = Callable[[dict[str, Any]], list[str]]


def tag_function(source: TagSource, parameters: set[str], where: str) -> TagFunction:
    """Compile ``tags=`` / ``paths=`` into ``f(arguments) -> list``, checked once, here.

    Raises:
        ConfigurationError: a tags function asks for an argument the read does not take.
    """
    if not callable(source):
        fixed = [source] if isinstance(source, str) else list(source)
        return lambda arguments: fixed
    wanted = list(inspect.signature(source).parameters)
    unknown = set(wanted) - parameters
    if unknown:
        raise ConfigurationError(f"{where}: its tags function asks for unknown {sorted(unknown)}")
    return lambda arguments: list(source(**{name: arguments[name] for name in wanted}))


@dataclass(frozen=True, slots=True)
class Dependencies:
    """The tags and paths a read depends on, as functions of its arguments."""

    signature: inspect.Signature
    tags: tuple[TagFunction, ...]
    paths: tuple[TagFunction, ...]

    def arguments(self, args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """A call's arguments by name, defaults filled in."""
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.arguments

    def affected(
        self, args: Sequence[Any], kwargs: dict[str, Any], paths: Iterable[str], tags: Iterable[str]
    ) -> bool:
        """True when the call ``(args, kwargs)`` depends on one of ``paths`` or ``tags``."""
        arguments = self.arguments(args, kwargs)
        mine_tags = {tag for of in self.tags for tag in of(arguments)}
        if not mine_tags.isdisjoint(tags):
            return True
        mine_paths = {path for of in self.paths for path in of(arguments)}
        return not mine_paths.isdisjoint(paths)

    def union(self, other: Dependencies) -> Dependencies:
        """Both declarations at once (``@depends_on`` and ``@cached`` on one function)."""
        return Dependencies(self.signature, self.tags + other.tags, self.paths + other.paths)


def declare(fn: Callable[..., Any], tags: TagFunction, paths: TagFunction) -> None:
    """Attach compiled ``tags`` and ``paths`` to ``fn`` (added to what it already declares)."""
    mine = Dependencies(inspect.signature(fn), (tags,), (paths,))
    known = dependencies_of(fn)
    setattr(fn, _ATTR, mine if known is None else known.union(mine))


def depends_on(*, tags: TagSource = (), paths: TagSource = ()) -> Callable[[F], F]:
    """Declare what a read depends on, for single-flight refresh (and nothing else).

    Use it on a read action that is not ``@cached`` itself (a cached read declares its tags
    already). The function is returned unchanged.

    Raises:
        ConfigurationError: at decoration, when neither is given or a tags function names an
            argument the read does not take.

    Example:
        >>> @action
        ... @depends_on(tags=lambda owner: [f"todos:{owner}"])
        ... async def todos_of(owner: int) -> list[Todo]: ...
    """

    def mark(fn: F) -> F:
        where = f"@depends_on {fn.__module__}.{fn.__qualname__}"
        if not tags and not paths:
            raise ConfigurationError(f"{where}: give tags=, paths= or both")
        names = set(inspect.signature(fn).parameters)
        declare(fn, tag_function(tags, names, where), tag_function(paths, names, where))
        return fn

    return mark


def dependencies_of(fn: Callable[..., Any]) -> Dependencies | None:
    """What ``fn`` declared it depends on (``@depends_on``, ``@cached``), else None."""
    found = getattr(fn, _ATTR, None)
    return found if isinstance(found, Dependencies) else None
