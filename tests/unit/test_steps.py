"""The steps of a call, written once and shared; the modules below dispatch never import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from authstage.dispatch import ActionEndpoint
from authstage.errors import NotFound, PayloadTooLarge, StaleClient
from authstage.registry import spec_of
from tests.unit import sample_actions as sa

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


def test_an_unknown_id_is_not_found_or_stale_by_the_manifest(endpoint: ActionEndpoint) -> None:
    steps = endpoint.steps
    with pytest.raises(NotFound):
        steps.locate(b"0" * 42, {})
    with pytest.raises(NotFound):  # the caller's manifest is current: the action is gone
        steps.locate(b"0" * 42, {b"authstage-manifest": endpoint.registry.manifest.encode()})
    with pytest.raises(StaleClient):
        steps.locate(b"0" * 42, {b"authstage-manifest": b"old"})


def test_a_body_read_under_a_wider_limit_is_checked_against_the_actions(
    endpoint: ActionEndpoint,
) -> None:
    steps = endpoint.steps
    tiny = spec_of(sa.tiny)
    assert steps.form_limit >= steps.limit(tiny) == 64
    steps.check_size(tiny, 64)
    with pytest.raises(PayloadTooLarge):
        steps.check_size(tiny, 65)
