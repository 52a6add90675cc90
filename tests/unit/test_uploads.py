"""UploadedFile.check: per-file limits as field errors."""

import pytest

from authstage import UploadedFile, ValidationFailed


def test_check_passes_and_fails_with_field_errors() -> None:
    f = UploadedFile(filename="a.png", content_type="image/png", content=b"1234")
    f.check(field="avatar", types={"image/png"}, max_size=4)
    assert f.size == 4
    for kwargs in ({"max_size": 3}, {"types": {"image/jpeg"}}):
        with pytest.raises(ValidationFailed) as info:
            f.check(field="avatar", **kwargs)
        assert list(info.value.field_errors) == ["avatar"]
    with pytest.raises(ValidationFailed, match="empty"):
        UploadedFile(filename="e", content_type="x", content=b"").check(field="f")
