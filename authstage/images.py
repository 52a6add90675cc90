"""Re-encoding uploaded images for display, under a pixel limit, with Pillow.

An image shown to other users is decoded and encoded again rather than stored as sent: the new
file holds only pixels, so EXIF (GPS position, camera serial), comments, colour-profile tricks
and any payload appended after the image data (a script or archive riding on a valid PNG, a
"polyglot") are gone. The orientation EXIF asked for is applied to the pixels first, so photos
stay upright.

Decompression bombs are stopped before decoding: ``Image.open`` reads only the header, the
claimed ``width x height`` is compared with ``max_pixels`` and a larger image is refused (422)
before ``load()`` allocates anything. Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, a warning
past 89 M pixels and ``DecompressionBombError`` past twice that) is global, so it is not changed
here; its error is turned into the same 422. Only the formats a browser displays are opened
(``FORMATS``): Pillow's other decoders (PSD, TGA, EPS through Ghostscript…) are never reached.

This is CPU-bound: ``Storage.save_image`` runs it in a worker thread. The output goes to a
spooled file, so a large image is not held twice in memory. Pillow is imported by the first
call, not with the package (an app that stores no images never loads it).
"""

from __future__ import annotations

import tempfile
from typing import IO, Literal

from authstage.errors import ValidationFailed
from authstage.uploads import SPOOL_SIZE

__all__ = ["FORMATS", "reencode"]

#: Pillow format name -> MIME type, for every format opened and written here.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_TARGET = {"webp": "WEBP", "png": "PNG", "jpeg": "JPEG"}
_QUALITY = 85


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={field: [message]})


def reencode(
    source: IO[bytes],
    *,
    field: str,
    max_pixels: int,
    format: Literal["webp", "png", "jpeg", "keep"] = "webp",
) -> tuple[IO[bytes], str]:
    """Decode ``source`` and encode its pixels again; ``(file, mime)`` of the result.

    ``format="keep"`` writes the format it came in (GIF as PNG: its first frame). The result is
    a file positioned at its end; the caller closes it.

    Raises:
        ValidationFailed: on ``field``: not an image of ``FORMATS``, broken, or more pixels
            than ``max_pixels``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(source, formats=list(FORMATS)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _refuse(
                    field,
                    f"The image is {width} x {height} pixels; at most {max_pixels} pixels "
                    "are accepted",
                )
            source_format = image.format or ""
            image.load()
            pixels = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise _refuse(field, f"The image has more pixels than {max_pixels}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(field, "The file is not an image that can be shown") from None
    target = _TARGET.get(format) or ("PNG" if source_format == "GIF" else source_format)
    if target == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    elif pixels.mode not in ("RGB", "RGBA", "L", "LA"):
        pixels = pixels.convert("RGBA")
    out = tempfile.SpooledTemporaryFile(SPOOL_SIZE)  # noqa: SIM115 - the caller closes it
    options = {"quality": _QUALITY} if target in ("JPEG", "WEBP") else {}
    pixels.save(out, format=target, **options)  # no exif=, no pnginfo=: metadata stays behind
    return out, FORMATS[target]
