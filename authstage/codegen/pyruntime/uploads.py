"""Files for actions that take ``UploadedFile`` parameters.

Pass ``bytes``, a file opened in binary mode, or a ``File`` to name the file and its type::

    await client.upload_avatar(open("me.png", "rb"))
    await client.upload_avatar(File(png_bytes, filename="me.png", content_type="image/png"))

A call with files travels as ``multipart/form-data``: one part per file, the other arguments
as JSON in the ``_args`` field (see the protocol). Files are read into memory before sending,
so a call retried with an idempotency key sends the same bytes again (the server streams them
to disk and checks their limits while they arrive).
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from typing import IO, TypeAlias

__all__ = ["File", "Upload", "file_part"]


@dataclass(frozen=True)
class File:
    """A file to upload, with an optional name and content type.

    When not given, the name is taken from the file object (or the parameter's name) and the
    type guessed from the name's extension.
    """

    content: bytes | IO[bytes]
    filename: str | None = None
    content_type: str | None = None


#: What a file parameter accepts.
Upload: TypeAlias = bytes | bytearray | memoryview | IO[bytes] | File


def file_part(value: object, param: str) -> tuple[str, bytes, str]:
    """``(filename, content, content type)`` of one upload for parameter ``param``.

    Raises:
        TypeError: ``value`` is not bytes, a binary file object or a ``File``.
    """
    filename: str | None = None
    content_type: str | None = None
    content: object = value
    if isinstance(value, File):
        content, filename, content_type = value.content, value.filename, value.content_type
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
    elif callable(getattr(content, "read", None)):
        data = content.read()  # type: ignore[attr-defined]
        if not isinstance(data, bytes):
            raise TypeError(f"{param}: open the file in binary mode ('rb'), it returned text")
        name = getattr(content, "name", None)
        if filename is None and isinstance(name, str):
            filename = os.path.basename(name)
    else:
        kind = type(value).__name__
        raise TypeError(f"{param}: expected bytes, a binary file or File, not {kind}")
    filename = filename or param
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return filename, data, content_type
