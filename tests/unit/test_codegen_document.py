"""``authstage schema``: the document agrees with the generated clients and is drift-checked."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

import authstage_client.client as client_module
import pytest
from authstage_client.protocol import ActionInfo

from authstage import cli

ROOT = Path(__file__).resolve().parents[2]
APP = "actions.app:create_app"
DOCUMENT = json.loads((ROOT / "client" / "schema.json").read_text(encoding="utf-8"))
_JSON_TYPES = {"integer": "int", "string": "str", "boolean": "bool", "number": "float"}


def _type_text(schema: dict[str, Any]) -> str:
    """A JSON Schema written the way the Python client annotates it (``list[NoteOut]``)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " | ".join(_type_text(member) for member in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list[{_type_text(schema['items'])}]"
    if schema.get("type") == "null":
        return "None"
    return _JSON_TYPES[schema["type"]]


def _annotation_text(tp: Any) -> str:
    """``list[authstage_client.types.NoteOut]`` -> ``list[NoteOut]``; ``int`` -> ``int``."""
    if tp is None:
        return "None"
    text = tp.__name__ if isinstance(tp, type) else str(tp)
    return re.sub(r"\b[\w.]+\.(\w+)", r"\1", text)


def _client_methods() -> dict[str, tuple[list[str], list[str], str]]:
    """Per action name, from the generated AsyncClient's mixins (one module per server module
    in ``actions/``): all params, required ones, result."""
    found = {}
    for mixin in client_module.AsyncClient.__mro__:
        if not mixin.__name__.endswith("Actions"):
            continue
        module = sys.modules[mixin.__module__]
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == mixin.__name__]
        for method in cls.body:
            if not isinstance(method, ast.AsyncFunctionDef):
                continue
            call = next(
                n
                for n in ast.walk(method)
                if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "_call"
            )
            info = getattr(module, call.args[0].id)  # type: ignore[attr-defined]
            assert isinstance(info, ActionInfo)
            args = method.args.args[1:]
            defaults = [None] * (len(args) - len(method.args.defaults)) + list(method.args.defaults)
            names = [a.arg for a in args]
            required = [a.arg for a, d in zip(args, defaults, strict=True) if d is None]
            found[info.name] = (names, required, _annotation_text(info.result))
    return found


def test_the_document_and_the_python_client_describe_the_same_actions() -> None:
    methods = _client_methods()
    actions = {a["name"]: a for a in DOCUMENT["actions"]}
    assert set(actions) == set(methods)
    for name, (params, required, result) in methods.items():
        described = actions[name]
        assert list(described["params"]["properties"]) == params, name
        assert described["params"]["required"] == required, name
        assert _type_text(described["result"]) == result, name


def test_the_document_and_the_typescript_client_name_the_same_actions() -> None:
    src = ROOT / "client" / "ts" / "src"
    functions = "".join(p.read_text(encoding="utf-8") for p in (src / "actions").glob("*.ts"))
    named = set(re.findall(r'"((?:actions|authstage)\.[\w.]+)"', functions))
    assert named == {a["name"] for a in DOCUMENT["actions"]}
    assert DOCUMENT["contract"] in (src / "client.ts").read_text(encoding="utf-8")


def test_the_document_carries_access_errors_and_no_ids() -> None:
    actions = {a["name"]: a for a in DOCUMENT["actions"]}
    admin = actions["actions.admin.list_users"]
    assert admin["roles"] == ["admin"] and {"UNAUTHORIZED", "FORBIDDEN"} <= set(admin["errors"])
    add = actions["actions.demo.add"]
    assert add["access"] == "public" and "UNAUTHORIZED" not in add["errors"]
    upload = actions["actions.showcase.upload_file"]["params"]["properties"]["file"]
    assert upload == {"type": "string", "format": "binary"}
    assert set(DOCUMENT["errorCodes"]) >= {e for a in actions.values() for e in a["errors"]}
    assert all(
        ref.rsplit("/", 1)[1] in DOCUMENT["$defs"]
        for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(DOCUMENT))
    )
    assert not re.search(r"\b[0-9a-f]{42}\b", json.dumps(DOCUMENT))


def test_schema_prints_the_committed_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTHSTAGE_SECRET", raising=False)
    assert cli.main(["schema", "--app", APP]) == 0
    assert json.loads(capsys.readouterr().out) == DOCUMENT
