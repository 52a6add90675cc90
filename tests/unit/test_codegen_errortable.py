"""The error-code table reaches both generated runtimes from ``authstage.errors.CODE_STATUS``."""

from __future__ import annotations

import re
from pathlib import Path

import authstage_client.errors as client_errors
import pytest

from authstage.codegen import errortable
from authstage.codegen.errortable import (
    fill_error_table,
    python_error_table,
    typescript_error_table,
)
from authstage.codegen.python import python_files
from authstage.codegen.typescript import typescript_files
from authstage.errors import CODE_STATUS
from authstage.schema import ClientModel

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "authstage" / "codegen"
EMPTY = ClientModel(actions=(), types={}, contract="0" * 32)


def _ts_table(source: str) -> tuple[list[str], dict[str, int]]:
    union = re.search(r"export type ErrorCode =(.*?);", source, re.S)
    table = re.search(r"ERROR_STATUS[^=]*= \{(.*?)\};", source, re.S)
    assert union and table
    codes = re.findall(r'\| "([A-Z_]+)"', union.group(1))
    statuses = {code: int(status) for code, status in re.findall(r"(\w+): (\d+),", table.group(1))}
    return codes, statuses


def test_the_generated_clients_agree_with_the_servers_code_table() -> None:
    ts = (ROOT / "client" / "ts" / "src" / "errors.ts").read_text(encoding="utf-8")
    codes, statuses = _ts_table(ts)
    assert codes == list(CODE_STATUS) and statuses == dict(CODE_STATUS)
    assert dict(CODE_STATUS) == client_errors.ERROR_STATUS
    assert set(client_errors._BY_CODE) == set(CODE_STATUS)  # one exception class per code


def test_the_runtime_sources_hold_the_current_table() -> None:
    for name, render in (
        ("tsruntime/errors.ts", typescript_error_table),
        ("pyruntime/errors.py", python_error_table),
    ):
        source = (RUNTIME / name).read_text(encoding="utf-8")
        assert fill_error_table(source, render()) == source, name


def test_a_new_code_reaches_both_clients_when_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errortable, "CODE_STATUS", {**CODE_STATUS, "TEAPOT": 418})
    ts = typescript_files(EMPTY)["src/errors.ts"]
    assert _ts_table(ts)[1]["TEAPOT"] == 418 and '| "TEAPOT"' in ts
    assert '    "TEAPOT": 418,\n' in python_files(EMPTY)["authstage_client/errors.py"]


def test_a_runtime_without_its_markers_fails_generation() -> None:
    with pytest.raises(ValueError, match="error-table"):
        fill_error_table("export const ERROR_STATUS = {};\n", typescript_error_table())
