"""How the generated clients are laid out: one module of methods (Python) and of functions
(TypeScript) per server module, so no file grows with the whole app, and modules with the same
last name segment stay apart."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from authstage import action
from authstage.codegen.files import generate
from authstage.keys import KeyRing
from authstage.registry import Registry
from tests.unit import codegen_actions as ca
from tests.unit import sample_actions as sa

KEYS = KeyRing.from_strings("codegen-layout-secret-0123456789abcdef01")
PACKAGE = "layout_client"


@action(name="shop.notes.add_note", public=True)
async def shop_note(title: str) -> str:
    return title


@action(name="blog.notes.add_note", public=True)
async def blog_note(title: str) -> str:
    return title


@action(name="blog.notes.count_notes", public=True)
async def blog_count() -> int:
    return 0


@action(name="blog.notes_sync.count", public=True)
async def blog_sync_count() -> int:
    return 0


def _package(tmp_path: Path, *modules: ModuleType | Callable[..., Any]) -> Path:
    files = generate(
        Registry(list(modules), KEYS), tmp_path / "ts", tmp_path / "py", python_package=PACKAGE
    )
    files.write()
    return tmp_path / "py" / PACKAGE


def test_each_server_module_gets_its_own_module_of_methods(tmp_path: Path) -> None:
    package = _package(tmp_path, sa, ca)
    groups = {p.stem for p in (package / "actions").glob("*.py")}
    assert {"__init__", "codegen_actions", "sample_actions"} <= groups
    client = (package / "client.py").read_text()
    assert "    CodegenActionsActions,\n" in client and "    SampleActionsActions,\n" in client
    sample = (package / "actions" / "sample_actions.py").read_text()
    assert "tests.unit.sample_actions." in sample and "tests.unit.codegen_actions." not in sample
    ts = tmp_path / "ts" / "src"
    assert {p.stem for p in (ts / "actions").glob("*.ts")} == groups - {"__init__"}
    assert 'export * from "./actions/sample_actions.js";' in (ts / "actions.ts").read_text()
    for path in [*package.rglob("*.py"), *ts.rglob("*.ts")]:
        assert len(path.read_text().splitlines()) <= 400, path


def test_modules_sharing_a_last_name_get_distinct_files_and_one_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(tmp_path, shop_note, blog_note, blog_count, blog_sync_count)
    assert sorted(p.stem for p in (package / "actions").glob("*.py")) == [
        "__init__",
        "blog_notes",
        "notes_sync",
        "shop_notes",
    ]
    monkeypatch.syspath_prepend(str(package.parent))
    try:
        from layout_client import AsyncClient, Client  # type: ignore[import-not-found]

        for client in (AsyncClient, Client):
            methods = {"blog_notes_add_note", "shop_notes_add_note", "count_notes", "count"}
            assert methods <= set(dir(client)), client
    finally:
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


@action(name="store.items.list_items", public=True)
async def list_items() -> int:
    return 0


@action(name="store.items_sync.sync_items", public=True)
async def sync_items() -> int:
    return 0


def test_class_names_that_would_clash_are_kept_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``items`` makes ``ItemsSyncActions`` for its blocking mixin, the async mixin name of
    # ``items_sync``: one of them moves aside, and both clients still have both methods.
    package = _package(tmp_path, list_items, sync_items)
    monkeypatch.syspath_prepend(str(package.parent))
    try:
        from layout_client import AsyncClient, Client

        for client in (AsyncClient, Client):
            assert {"list_items", "sync_items"} <= set(dir(client)), client
    finally:
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]
