"""Validation messages: readable sentences, keyed the way forms name their inputs."""

from __future__ import annotations

import msgspec
import pytest

from authstage import action
from authstage.registry import spec_of
from authstage.validation import humanize, validation_error
from tests.unit import sample_actions as sa


@pytest.mark.parametrize(
    ("raw", "human"),
    [
        ("Expected `str` of length >= 8", "Must be at least 8 characters"),
        ("Expected `str` of length >= 1", "Must not be empty"),
        ("Expected `str` of length <= 50", "Must be at most 50 characters"),
        ("Expected `int` >= 1", "Must be at least 1"),
        ("Expected `int`, got `str`", "Must be a whole number"),
        ("Expected `str` matching regex '^a'", "Has an invalid format"),
        ("Invalid enum value 'green'", "Must be one of the allowed values"),
        (
            "Something msgspec says that we do not know",
            "Something msgspec says that we do not know",
        ),
    ],
)
def test_humanize(raw: str, human: str) -> None:
    assert humanize(raw) == human


def test_struct_fields_are_keyed_without_the_parameter_name() -> None:
    sig = spec_of(sa.create_post).signature
    raw = {"data": {"title": "", "content": "ok content"}}
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.convert(raw, sig.args_type)
    error = validation_error(sig, raw, info.value)
    assert error.field_errors == {"title": ["Must not be empty"]}
    assert error.status == 422


def test_non_object_input_is_a_form_error() -> None:
    sig = spec_of(sa.add).signature
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.convert([1, 2], sig.args_type)
    error = validation_error(sig, [1, 2], info.value)
    assert error.form_errors and not error.field_errors


class Node(msgspec.Struct):
    children: list[Node] = []


@action(public=True)
async def tree(root: Node, label: str = "") -> None: ...


def test_arguments_nested_near_the_decoders_limit_still_get_a_validation_error() -> None:
    # Re-checking field by field runs deeper in the stack than the decoder did; at msgspec's
    # depth limit that re-check gives up and the decoder's own first error is reported.
    sig = spec_of(tree).signature
    root: dict[str, list[object]] = {"children": []}
    raw = {"root": root, "label": 5}
    for _ in range(5000):
        child: dict[str, list[object]] = {"children": []}
        root["children"].append(child)
        root = child
    first = msgspec.ValidationError("Expected `str`, got `int` - at `$.label`")
    error = validation_error(sig, raw, first)
    assert error.status == 422
    assert error.field_errors == {"label": ["Must be text"]}
