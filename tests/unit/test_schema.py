"""The client model: every action's parameters and result as JSON Schema, and its contract."""

from __future__ import annotations

from typing import Any

import msgspec

from authstage import action
from authstage.codegen.names import camel, identifier, pascal, unique_names
from authstage.keys import KeyRing
from authstage.registry import Registry
from authstage.schema import ClientModel, build_model
from tests.unit import codegen_actions as ca
from tests.unit import sample_actions as sa

KEYS = KeyRing.from_strings("codegen-test-secret-0123456789abcdef0123")


class ShapeV1(msgspec.Struct):
    a: int


class ShapeV2(msgspec.Struct):
    a: int
    b: str = ""


ShapeV1.__name__ = ShapeV2.__name__ = "Shape"  # one class, before and after a field was added


def model_of(*sources: Any, keys: KeyRing = KEYS) -> ClientModel:
    return build_model(Registry(list(sources), keys))


def test_actions_come_in_name_order_with_their_wire_parameters() -> None:
    model = model_of(sa)
    names = [a.name for a in model.actions]
    assert names == sorted(names)
    delete = next(a for a in model.actions if a.name.endswith(".delete_post"))
    assert [(p.name, p.required, p.default) for p in delete.params] == [
        ("post_id", True, None),
        ("reason", False, '""'),
    ]
    assert delete.params[0].schema == {"type": "integer"}
    assert delete.result == {"type": "string"}


def test_a_struct_used_by_several_actions_is_one_shared_component() -> None:
    model = model_of(sa)
    echo = next(a for a in model.actions if a.name.endswith(".echo_everything"))
    assert echo.params[0].schema == {"$ref": "#/$defs/Everything"}
    assert echo.result == {"$ref": "#/$defs/Everything"}
    assert list(model.types) == sorted(model.types)
    assert model.types["NewPost"]["required"] == ["title", "content"]


def test_dates_and_times_without_a_timezone_rule_still_get_a_format() -> None:
    times = model_of(ca).types["Times"]["properties"]
    assert times["naive"]["format"] == "date-time"
    assert times["aware"]["format"] == "date-time"
    assert times["at"]["format"] == "time"
    assert times["by_key"]["additionalProperties"]["format"] == "date-time"
    assert times["stamp"]["anyOf"][0]["format"] == "date-time"
    assert [i["format"] for i in times["window"]["anyOf"][0]["prefixItems"]] == ["time", "time"]


def test_file_parameters_are_marked_as_files() -> None:
    files = next(a for a in model_of(ca).actions if a.name.endswith(".files"))
    assert [(p.name, p.file, p.schema) for p in files.params] == [
        ("one", "one", {}),
        ("maybe", "optional", {}),
        ("many", "many", {}),
    ]
    assert "UploadedFile" not in model_of(ca).types


def test_two_classes_sharing_a_name_get_distinct_components() -> None:
    assert {"tests.first.Item", "tests.second.Item"} <= set(model_of(ca).types)


def test_the_contract_depends_on_the_actions_not_on_the_secret() -> None:
    other_keys = KeyRing.from_strings("another-secret-0123456789abcdef0123456789")
    assert model_of(sa).contract == model_of(sa, keys=other_keys).contract
    assert model_of(sa).contract != model_of(sa, ca).contract

    @action(public=True, name="versioned")
    async def before(x: ShapeV1) -> None: ...

    @action(public=True, name="versioned")
    async def after(x: ShapeV2) -> None: ...

    assert model_of(before).types.keys() == model_of(after).types.keys() == {"Shape"}
    assert model_of(before).contract != model_of(after).contract


def test_actions_declared_client_false_are_not_in_the_model() -> None:
    @action(public=True, client=False)
    async def hidden() -> None: ...

    @action(public=True)
    async def shown() -> None: ...

    assert [a.name.rsplit(".", 1)[1] for a in model_of(hidden, shown).actions] == ["shown"]


def test_names_are_identifiers_from_the_shortest_unique_suffix() -> None:
    assert identifier("with-dash") == "with_dash"
    assert identifier("1st") == "_1st"
    assert camel("create_note") == "createNote"
    assert pascal(["sample_actions", "Color"]) == "SampleActionsColor"
    segments = {
        "a.x.save": ["a", "x", "save"],
        "b.y.save": ["b", "y", "save"],
        "c.load": ["c", "load"],
    }
    render = "_".join
    assert unique_names(segments, render) == {
        "a.x.save": "x_save",
        "b.y.save": "y_save",
        "c.load": "load",
    }
    assert unique_names({"k": ["class"]}, render, {"class"}) == {"k": "class_"}
