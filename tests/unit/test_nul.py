"""NUL characters: found anywhere in the arguments, refused with 422 before anything runs."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
import pytest

from authstage.errors import ValidationFailed
from authstage.nul import NUL_MESSAGE, nul_paths
from authstage.registry import spec_of
from authstage.testing import ActionClient
from authstage.uploads import UploadedFile
from tests.unit import sample_actions as sa

NUL = "a\x00b"


class Inner(msgspec.Struct):
    name: str
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    label: str


def test_nul_paths_reach_every_text_of_the_arguments() -> None:
    value = {
        "top": NUL,
        "inner": Inner(name=NUL, tags=["ok", NUL]),
        "mapping": {"key": NUL, f"bad{NUL}": 1},
        "items": (1, NUL),
        "point": Point(label=NUL),
        "file": UploadedFile(filename=NUL, content_type="text/plain", content=b"\x00"),
        "clean": ["a", {"b": "c"}, b"\x00 bytes are not text"],
    }
    assert sorted(nul_paths(value)) == [
        "file.filename",
        "inner.name",
        "inner.tags[1]",
        "items[1]",
        "mapping",
        "mapping.key",
        "point.label",
        "top",
    ]
    assert nul_paths({"deep": [[[["x"]]]] * 3, "n": 1}) == []


def test_nul_paths_walk_deeply_nested_values_without_recursion() -> None:
    deep: Any = NUL
    for _ in range(100_000):
        deep = [deep]
    assert nul_paths({"p": deep}) == ["p" + "[0]" * 100_000]


async def test_json_text_with_nul_is_422_naming_the_field(actions: ActionClient) -> None:
    response = await actions.call(sa.create_post, data={"title": NUL, "content": "body"})
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"title": [NUL_MESSAGE]}
    response = await actions.call(
        sa.create_post, data={"title": "T", "content": "body", "tags": ["x", NUL]}
    )
    assert response.json()["error"]["fieldErrors"] == {"tags[1]": [NUL_MESSAGE]}
    response = await actions.call(sa.free_json, payload={NUL: 1})
    assert response.json()["error"]["fieldErrors"] == {"payload": [NUL_MESSAGE]}
    response = await actions.call(sa.signup, email=NUL, password="long enough")
    assert response.json()["error"]["fieldErrors"] == {"email": [NUL_MESSAGE]}
    assert sum(sa.CALLS.values()) == 0


async def test_nul_is_reported_with_the_other_field_errors(actions: ActionClient) -> None:
    response = await actions.call(sa.signup, email=NUL, password="short")
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {
        "email": [NUL_MESSAGE],
        "password": ["Must be at least 8 characters"],
    }


@pytest.mark.parametrize(
    "fields",
    [{"title": NUL, "content": "body"}, {"_args": '{"data": {"title": "a\\u0000b"}}'}],
)
async def test_form_text_with_nul_is_422_naming_the_field(
    actions: ActionClient, fields: dict[str, str]
) -> None:
    fields.setdefault("content", "body")
    response = await actions.form(sa.create_post, fields, referer=None)
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"title": [NUL_MESSAGE]}
    assert sa.CALLS["create_post"] == 0


async def test_uploaded_file_name_with_nul_is_422(actions: ActionClient, client: Any) -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="avatar"; filename="a\x00b.png"\r\n'
        b"Content-Type: image/png\r\n\r\npng\r\n--b--\r\n"
    )
    response = await client.post(
        "/_action",
        content=body,
        headers={
            "authstage-action": actions.id_of(sa.upload),
            "content-type": "multipart/form-data; boundary=b",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["fieldErrors"] == {"avatar.filename": [NUL_MESSAGE]}
    assert sa.CALLS["upload"] == 0


def test_decoding_after_bound_arguments_refuses_nul_too() -> None:
    sig = spec_of(sa.delete_post).signature
    with pytest.raises(ValidationFailed) as caught:
        sig.decode_json(b'{"reason": "a\\u0000"}', 1)
    assert caught.value.field_errors == {"reason": [NUL_MESSAGE]}
    assert sig.decode_json(b'{"reason": "a\\\\u0000"}', 1)  # an escaped backslash: no NUL


async def test_batched_calls_refuse_nul_too(actions: ActionClient, client: Any) -> None:
    response = await client.post(
        "/_action",
        json={"calls": [{"action": actions.id_of(sa.signup), "args": {"email": NUL}}]},
        headers={"authstage-batch": "1"},
    )
    (result,) = response.json()["results"]
    assert result["error"]["fieldErrors"]["email"] == [NUL_MESSAGE]
    assert sa.CALLS["signup"] == 0
