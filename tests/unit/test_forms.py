"""HTML forms: urlencoded and multipart bodies, converted field by field."""

from __future__ import annotations

from typing import Any

import pytest

from authstage.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from authstage.forms import Form, form_arguments, parse_form, submitted_values
from authstage.registry import spec_of
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.imagefiles import PNG


def form(**fields: Any) -> Form:
    f = Form()
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            f.add_field(key, one)
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


URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("utf-8", b"a=%C3%A9", "\u00e9"),
        ("UTF8", b"a=%C3%A9", "\u00e9"),
        ("us-ascii", b"a=e", "e"),
        ("ASCII", b"a=e", "e"),
        ("iso-8859-1", b"a=%E9", "\u00e9"),
        ("Latin1", b"a=%E9", "\u00e9"),
    ],
)
def test_allowed_charsets_and_their_aliases_decode(
    charset: str, body: bytes, expected: str
) -> None:
    assert parse_form(body, URLENCODED, {"charset": charset}).fields == {"a": [expected]}


@pytest.mark.parametrize(
    "charset", ["punycode", "unicode_escape", "idna", "utf-16", "rot13", "nope"]
)
def test_charsets_outside_the_allow_list_are_415(charset: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="Unsupported form charset"):
        parse_form(b"a=1", URLENCODED, {"charset": charset})


@pytest.mark.parametrize(
    ("charset", "body"),
    [("utf-8", b"a=%FF"), ("utf-8", b"a=\xff"), ("us-ascii", b"a=%E9"), ("us-ascii", b"\xe9=1")],
)
def test_bytes_the_declared_charset_cannot_decode_are_400(charset: str, body: bytes) -> None:
    with pytest.raises(BadRequest, match=r"not (valid )?(utf-8|ascii)"):
        parse_form(body, URLENCODED, {"charset": charset})


def test_only_a_real_field_count_overflow_is_413() -> None:
    many = b"&".join(b"f%d=1" % i for i in range(1001))
    with pytest.raises(PayloadTooLarge, match="Too many form fields"):
        parse_form(many, URLENCODED, {})
    assert len(parse_form(many[: many.rindex(b"&")], URLENCODED, {}).fields) == 1000


def multipart_part(charset: str, data: bytes) -> bytes:
    return (
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n'
        b"Content-Type: text/plain; charset="
        + charset.encode()
        + b"\r\n\r\n"
        + data
        + b"\r\n--b--\r\n"
    )


def test_multipart_part_charsets_follow_the_same_allow_list() -> None:
    assert parse_form(
        multipart_part("iso-8859-1", b"\xe9"), "multipart/form-data", {"boundary": "b"}
    ).fields == {"a": ["\u00e9"]}
    with pytest.raises(UnsupportedMediaType, match="Unsupported form charset 'x-unknown'"):
        parse_form(multipart_part("x-unknown", b"1"), "multipart/form-data", {"boundary": "b"})
    with pytest.raises(BadRequest, match="not valid utf-8"):
        parse_form(multipart_part("utf-8", b"\xff"), "multipart/form-data", {"boundary": "b"})


async def test_punycode_charset_is_refused_fast(client: Any, endpoint: Any) -> None:
    # One unauthenticated 1 MiB body once blocked the event loop for minutes (punycode's
    # decoder is quadratic); it is now refused before a byte is decoded.
    headers = {
        "authstage-action": endpoint.registry.id_of(sa.add),
        "content-type": "application/x-www-form-urlencoded; charset=punycode",
    }
    body = b"a=" + b"x" * ((1 << 20) - 100)
    response = await client.post("/_action", content=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    after = await client.post(
        "/_action", json={"a": 1, "b": 2}, headers={"authstage-action": headers["authstage-action"]}
    )
    assert after.json() == {"ok": True, "data": 3}  # the server still answers
    assert sa.CALLS["add"] == 1  # and the refused call ran nothing


async def test_unicode_escape_charset_is_refused_not_a_500(client: Any, endpoint: Any) -> None:
    response = await client.post(
        "/_action",
        content=b"a=\\ud800&b=1",
        headers={
            "authstage-action": endpoint.registry.id_of(sa.add),
            "content-type": "application/x-www-form-urlencoded; charset=unicode_escape",
        },
    )
    assert response.status_code == 415
    assert sa.CALLS["add"] == 0


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
        files={"avatar": ("x.png", PNG, "image/png")},
        headers={"authstage-action": endpoint.registry.id_of(sa.upload)},
    )
    assert response.json()["data"]["caption"] == "c"


@pytest.mark.parametrize("given", ['"a title"', "5", '["T", "body"]', "true"])
async def test_args_giving_a_struct_parameter_a_non_object_is_422(
    actions: ActionClient, given: str
) -> None:
    response = await actions.form(sa.create_post, {"_args": f'{{"data": {given}}}'}, referer=None)
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"data": ["Must be an object"]}
    assert sa.CALLS["create_post"] == 0


async def test_args_nested_100000_levels_is_400(actions: ActionClient) -> None:
    deep = '{"payload": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = await actions.form(sa.free_json, {"_args": deep}, referer=None)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The _args field is nested too deeply"
    assert sa.CALLS["free_json"] == 0


async def test_json_nested_100000_levels_is_400(actions: ActionClient, client: Any) -> None:
    deep = b'{"payload": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for fn in (sa.free_json, sa.add):  # an untyped and a typed parameter
        response = await client.post(
            "/_action",
            content=deep,
            headers={"authstage-action": actions.id_of(fn), "content-type": "application/json"},
        )
        assert response.status_code in (400, 422), response.text
        assert response.json()["error"]["code"] in ("BAD_REQUEST", "VALIDATION")
    assert sa.CALLS["free_json"] == 0


async def test_unknown_part_charset_is_415_not_500(client: Any, endpoint: Any) -> None:
    response = await client.post(
        "/_action",
        content=multipart_part("x-unknown", b"1"),
        headers={
            "authstage-action": endpoint.registry.id_of(sa.add),
            "content-type": "multipart/form-data; boundary=b",
        },
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert sa.CALLS["add"] == 0
