"""The startup heap is frozen once per process, after the first app's startup, unless turned off."""

from __future__ import annotations

import gc

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, heap
from tests.unit.conftest import SECRET


def _app() -> Litestar:
    return Litestar(plugins=[AuthstagePlugin(actions=[], secret=SECRET, production=False)])


async def test_the_first_startup_in_a_process_freezes_the_heap_and_later_ones_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heap, "_frozen", False)  # as in a fresh server process
    gc.unfreeze()
    async with AsyncTestClient(_app()):
        frozen = gc.get_freeze_count()
    assert frozen > 1000  # the startup heap: the app, Litestar, authstage, the interpreter
    kept = [object() for _ in range(10)]  # more objects, then a second app in this process
    async with AsyncTestClient(_app()):
        assert gc.get_freeze_count() <= frozen  # not frozen again (frozen objects may die)
    assert kept


async def test_it_is_turned_off_by_authstage_gc_freeze_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_frozen", False)
    monkeypatch.setenv("AUTHSTAGE_GC_FREEZE", "0")
    gc.unfreeze()
    async with AsyncTestClient(_app()):
        assert gc.get_freeze_count() == 0
