"""HTML forms: urlencoded and multipart bodies, converted field by field."""

from __future__ import annotations

from typing import Any

import pytest

from authstage.errors import BadRequest
from authstage.forms import Form, form_arguments, parse_form, submitted_values
from authstage.registry import spec_of
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa


def form(**fields: Any) -> Form:
    f = Form()
    for key, value in fields.items():
        f.fields[key] = value if isinstance(value, list) else [value]
    return f


def test_struct_parameter_is_flattened() -> None:
    raw = form_arguments(
        spec_of(sa.create_post).signature,
        form(title="T", content="body", tags=["a", "b"], published="on"),
    )
    assert raw == {"data": {"title": "T", "content": "body", "tags": ["a", "b"], "published": True}}


def test_dotted_names_also_reach_struct_fields() -> None:
    raw = form_arguments(spec_of(sa.create_post).signature, form(**{"data.title": "T"}))
    assert raw["data"]["title"] == "T"


def test_checkbox_empty_and_optional_values() -> None:
    sig = spec_of(sa.checkbox).signature
    assert form_arguments(sig, form()) == {"agree": False}
    assert form_arguments(sig, form(agree="on", count="", note="")) == {"agree": True, "note": None}


def test_args_field_carries_json_arguments() -> None:
    sig = spec_of(sa.add).signature
    assert form_arguments(sig, form(_args='{"a": 1, "b": 2}', b="5")) == {"a": 1, "b": "5"}
    with pytest.raises(BadRequest):
        form_arguments(sig, form(_args="[1]"))
    with pytest.raises(BadRequest):
        form_arguments(sig, form(_args="{"))


def test_args_keep_booleans_and_struct_fields_the_form_does_not_send() -> None:
    # Clients send files as parts and every other argument in _args: an absent field is not
    # an unchecked box then.
    checkbox = spec_of(sa.checkbox).signature
    assert form_arguments(checkbox, form(_args='{"agree": true}')) == {"agree": True}
    post = spec_of(sa.create_post).signature
    args = '{"data": {"title": "T", "content": "body", "published": true}}'
    raw = form_arguments(post, form(_args=args))
    assert raw == {"data": {"title": "T", "content": "body", "published": True}}
    assert form_arguments(post, form(_args=args, published="off"))["data"]["published"] is False


def test_urlencoded_parsing() -> None:
    parsed = parse_form(b"a=1&b=two+words&b=x&empty=", "application/x-www-form-urlencoded", {})
    assert parsed.fields == {"a": ["1"], "b": ["two words", "x"], "empty": [""]}


def test_bad_form_bodies_are_clear_errors() -> None:
    with pytest.raises(BadRequest):
        parse_form(b"\xff\xfe=1", "application/x-www-form-urlencoded", {})
    with pytest.raises(BadRequest):
        parse_form(b"--x\r\nbroken", "multipart/form-data", {"boundary": "x"})
    with pytest.raises(BadRequest):
        parse_form(b"", "multipart/form-data", {})


def test_submitted_values_drop_passwords_and_protocol_fields() -> None:
    values = submitted_values(
        form(email="a@b.c", password="hunter22", new_password="x", _action="id", tags=["a", "b"])
    )
    assert values == {"email": "a@b.c", "tags": ["a", "b"]}


async def test_form_post_converts_strings(actions: ActionClient) -> None:
    response = await actions.form(sa.add, {"a": "3", "b": "4"}, referer=None)
    assert response.json() == {"ok": True, "data": 7}


async def test_form_without_action_field_is_400(client: Any) -> None:
    response = await client.post("/_action", data={"a": "1"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert "_action" in response.json()["error"]["message"]


async def test_form_with_unknown_action_is_404(client: Any) -> None:
    response = await client.post("/_action", data={"_action": "0" * 42})
    assert response.status_code == 404


async def test_multipart_upload(actions: ActionClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    response = await actions.form(
        sa.upload, {"caption": "me"}, files={"avatar": ("me.png", png, "image/png")}, referer=None
    )
    assert response.json()["data"] == {"name": "me.png", "size": len(png), "caption": "me"}


async def test_upload_checks_type_and_presence(actions: ActionClient) -> None:
    response = await actions.form(
        sa.upload, {}, files={"avatar": ("a.txt", b"hello", "text/plain")}, referer=None
    )
    assert response.status_code == 422
    assert "avatar" in response.json()["error"]["fieldErrors"]
    response = await actions.form(sa.upload, {"caption": "no file"}, referer=None)
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"avatar": ["Required"]}


async def test_json_client_can_post_multipart_with_header(client: Any, endpoint: Any) -> None:
    response = await client.post(
        "/_action",
        data={"_args": '{"caption": "c"}'},
        files={"avatar": ("x.png", b"png-bytes", "image/png")},
        headers={"authstage-action": endpoint.registry.id_of(sa.upload)},
    )
    assert response.json()["data"]["caption"] == "c"
