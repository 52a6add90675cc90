"""Re-encoding for display: metadata and appended payloads dropped, pixel bombs refused."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from PIL import Image

from authstage.errors import ValidationFailed
from authstage.images import reencode
from tests.unit.imagefiles import PNG, image_bytes, png_claiming


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def run(data: bytes, **kwargs: object) -> tuple[bytes, str]:
    out, mime = reencode(io.BytesIO(data), field="avatar", max_pixels=10_000, **kwargs)  # type: ignore[arg-type]
    with out:
        out.seek(0)
        return out.read(), mime


def test_exif_and_an_appended_payload_do_not_survive() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90
    payload = b"<?php system($_GET['c']); ?>"
    data, mime = run(image_bytes("JPEG", (40, 20), exif=exif.tobytes()) + payload)
    assert mime == "image/webp"
    assert payload not in data and b"SecretCam" not in data
    image = decoded(data)
    assert image.size == (20, 40)  # the orientation was applied to the pixels
    assert not image.getexif()


def test_keep_writes_the_format_it_came_in() -> None:
    data, mime = run(PNG, format="keep")
    assert (mime, decoded(data).format) == ("image/png", "PNG")


def test_a_png_claiming_a_hundred_thousand_squared_pixels_is_refused_fast() -> None:
    bomb = png_claiming(100_000, 100_000)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refused:
        reencode(io.BytesIO(bomb), field="avatar", max_pixels=25_000_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "avatar" in refused.value.field_errors
    assert time.perf_counter() - started < 1 and peak < 5 << 20


def test_an_image_over_the_call_limit_names_its_size() -> None:
    with pytest.raises(ValidationFailed, match="200 x 100 pixels; at most 10000"):
        run(image_bytes("PNG", (200, 100)))


def test_a_script_renamed_png_is_not_an_image() -> None:
    with pytest.raises(ValidationFailed, match="not an image"):
        run(b"#!/bin/sh\necho hi\n")


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not an image"):
        run(image_bytes("PNG", (90, 90))[:120])
