"""Every import points down: modules the dispatcher uses never import it, even lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "authstage"
#: Modules the dispatcher uses: each must reach it only by being handed what it needs.
BELOW_DISPATCH = [
    "batch",
    "body",
    "context",
    "csrf",
    "encoding",
    "errors",
    "forms",
    "idempotency",
    "navigation",
    "noscript",
    "observe",
    "outcome",
    "pages",
    "params",
    "steps",
]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, wherever the import is (TYPE_CHECKING or a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", BELOW_DISPATCH)
def test_modules_below_the_dispatcher_never_import_it(module: str) -> None:
    imports = imported_modules(PACKAGE / f"{module}.py")
    assert not {"authstage.dispatch", "authstage.plugin"} & imports


def test_auth_config_does_not_import_the_request_helpers() -> None:
    imports = imported_modules(PACKAGE / "auth" / "config.py")
    assert "authstage.auth.current" not in imports  # current.py uses Auth, not the reverse


def test_the_manifest_and_the_generator_share_is_listed_from_the_registry() -> None:
    manifest = imported_modules(PACKAGE / "manifest.py")
    schema = imported_modules(PACKAGE / "schema.py")
    assert "authstage.registry.is_listed" in manifest & schema
    assert not any(name.startswith("authstage.manifest") for name in schema)


#: The server's modules: what ``authstage run`` serves with.
SERVER = [*BELOW_DISPATCH, "dispatch", "plugin", "manifest", "schema", "pagecontext", "fastpath"]


@pytest.mark.parametrize("module", SERVER)
def test_the_server_never_imports_the_code_generator_or_the_cli(module: str) -> None:
    imports = imported_modules(PACKAGE / f"{module}.py")
    assert not any(name.startswith(("authstage.codegen", "authstage.cli")) for name in imports)
