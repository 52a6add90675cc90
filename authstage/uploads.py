"""Uploaded files as action parameters, and the per-parameter rules they are read under.

A parameter annotated ``UploadedFile`` (or ``UploadedFile | None``, or
``list[UploadedFile]``) receives a file part of a ``multipart/form-data`` request. A multipart
file is streamed into a ``tempfile.SpooledTemporaryFile`` while the body is read (formstream.py):
it stays in memory up to ``SPOOL_SIZE`` bytes and rolls over to a temporary file on disk after
that, so a 100 MB upload costs the server one chunk of memory, not 100 MB. The file is closed
(and the temporary file deleted) when the request ends, whatever happened.

The file is still a msgspec Struct, so a JSON caller may send ``{"filename", "content_type",
"data"}`` with ``data`` in base64 (held in memory: the JSON body already is); the generated
clients use multipart.

Its type is taken from its first bytes (``detected_type``, by ``filetype``: pure Python, no
libmagic to install, and it needs only the first ``SNIFF_SIZE`` bytes, which the stream reader
keeps while the rest goes to disk), never from the client's ``content_type`` or file name.

``FileRule`` in the annotation declares a parameter's limits, read once at registration
(params.py)::

    avatar: Annotated[UploadedFile, FileRule(max_size=5 * 2**20, types={"image/png"})]

A multipart upload over ``max_size`` is refused with 413 as soon as the limit is crossed, and
one of another detected type with 422 naming the field as soon as its first bytes arrive; a
base64 JSON file is checked by the same rule after decoding.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO

import filetype
import msgspec

from authstage.errors import PayloadTooLarge, ValidationFailed

__all__ = ["SNIFF_SIZE", "SPOOL_SIZE", "FileRule", "UploadedFile", "sniff"]

#: Bytes of a file kept in memory before its spool rolls over to disk.
SPOOL_SIZE = 256 * 1024
#: Bytes of a file's head that type detection reads (``filetype`` looks at no more).
SNIFF_SIZE = 8192
_CHUNK = 64 * 1024


def sniff(head: bytes) -> str | None:
    """The MIME type the bytes ``head`` start with, or None when no known format matches."""
    kind = filetype.guess(head)
    return None if kind is None else str(kind.mime)


@dataclass(frozen=True, slots=True, init=False, repr=False)
class FileRule:
    """The limits of one file parameter, declared in its annotation.

    Args:
        max_size: the largest file in bytes (413 ``PAYLOAD_TOO_LARGE`` over it).
        types: the MIME types allowed, as detected from the bytes; ``"image/*"`` allows a
            whole family (422 ``VALIDATION`` for any other, or an unrecognised file).
        allow_empty: accept a zero-byte file (refused by default).

    Example:
        >>> Annotated[UploadedFile, FileRule(max_size=5 * 2**20, types={"image/png"})]
    """

    max_size: int | None = None
    types: frozenset[str] | None = None
    allow_empty: bool = False

    def __init__(
        self,
        *,
        max_size: int | None = None,
        types: Collection[str] | None = None,
        allow_empty: bool = False,
    ) -> None:
        if max_size is not None and max_size <= 0:
            raise ValueError("FileRule: max_size must be positive")
        object.__setattr__(self, "max_size", max_size)
        object.__setattr__(self, "types", None if types is None else frozenset(types))
        object.__setattr__(self, "allow_empty", allow_empty)

    def __repr__(self) -> str:  # stable across processes (the manifest hash includes it)
        types = None if self.types is None else sorted(self.types)
        return f"FileRule(max_size={self.max_size}, types={types}, allow_empty={self.allow_empty})"

    def check_size(self, field: str, size: int) -> None:
        """Raise 413 on ``field`` when ``size`` is over ``max_size``."""
        if self.max_size is not None and size > self.max_size:
            message = f"The file is larger than {self.max_size} bytes"
            raise PayloadTooLarge(message, field_errors={field: [message]})

    def check_empty(self, field: str, size: int) -> None:
        """Raise 422 on ``field`` for a zero-byte file unless ``allow_empty``."""
        if size == 0 and not self.allow_empty:
            raise ValidationFailed("The file is empty", field_errors={field: ["The file is empty"]})

    def check_type(self, field: str, detected: str | None) -> None:
        """Raise 422 on ``field`` unless the detected type is allowed."""
        if self.types is None or detected in self.types:
            return
        if detected is not None and f"{detected.partition('/')[0]}/*" in self.types:
            return
        allowed = ", ".join(sorted(self.types))
        message = f"The file type {detected or 'unknown'} is not allowed (allowed: {allowed})"
        raise ValidationFailed(message, field_errors={field: [message]})

    def check(self, field: str, file: UploadedFile) -> None:
        """Apply every limit to a whole file (one that was not streamed under this rule)."""
        self.check_size(field, file.size)
        self.check_empty(field, file.size)
        self.check_type(field, file.detected_type)


class UploadedFile(msgspec.Struct, dict=True):
    """A file uploaded with the call, read like a binary file.

    ``UploadedFile.from_bytes(...)`` makes one in memory (tests, JSON callers); the stream
    reader makes spooled ones. ``data`` reads the whole file into memory: prefer ``read``,
    ``chunks`` or passing ``file`` to ``Storage.save``.

    Example:
        >>> @action
        ... async def upload_avatar(
        ...     avatar: Annotated[UploadedFile, FileRule(max_size=5 << 20, types={"image/png"})],
        ... ) -> str:
        ...     return (await storage.save(avatar)).key
    """

    filename: str
    content_type: str
    #: The content of an in-memory file (``data`` on the wire); empty for a spooled one.
    content: bytes = msgspec.field(default=b"", name="data")

    @classmethod
    def from_bytes(cls, filename: str, content_type: str, data: bytes) -> UploadedFile:
        """A file held in memory."""
        return cls(filename=filename, content_type=content_type, content=data)

    @classmethod
    def spooled(
        cls, filename: str, content_type: str, spool: IO[bytes], size: int, detected: str | None
    ) -> UploadedFile:
        """A file whose bytes are in ``spool`` (read from its start; closed by ``close``)."""
        file = cls(filename=filename, content_type=content_type)
        spool.seek(0)
        file.__dict__.update(_spool=spool, _size=size, _detected=detected)
        return file

    @property
    def file(self) -> IO[bytes]:
        """The binary file object holding the bytes (a spool, or a buffer over ``content``)."""
        spool: IO[bytes] | None = self.__dict__.get("_spool")
        if spool is None:
            spool = io.BytesIO(self.content)  # already in memory: no spool to make
            self.__dict__["_spool"] = spool
        return spool

    @property
    def size(self) -> int:
        """Size in bytes."""
        size: int | None = self.__dict__.get("_size")
        return len(self.content) if size is None else size

    @property
    def detected_type(self) -> str | None:
        """The MIME type found in the file's first bytes (None: no known format)."""
        if "_detected" not in self.__dict__:
            self.__dict__["_detected"] = sniff(self.content[:SNIFF_SIZE])
        detected: str | None = self.__dict__["_detected"]
        return detected

    @property
    def data(self) -> bytes:
        """The whole content, read into memory."""
        if "_spool" not in self.__dict__:
            return self.content
        self.seek(0)
        return self.read()

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left by default) from the current position."""
        return self.file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move the read position, as ``io.IOBase.seek``."""
        return self.file.seek(offset, whence)

    def chunks(self, size: int = _CHUNK) -> Iterator[bytes]:
        """The content from its start in chunks of ``size`` bytes."""
        self.seek(0)
        while chunk := self.read(size):
            yield chunk

    def close(self) -> None:
        """Close the file; a spool on disk is deleted. Done for you when the request ends."""
        spool: IO[bytes] | None = self.__dict__.pop("_spool", None)
        if spool is not None:
            spool.close()

    def check(
        self,
        *,
        field: str,
        types: Collection[str] | None = None,
        max_size: int | None = None,
        allow_empty: bool = False,
    ) -> None:
        """Raise a field error on ``field`` unless the file fits these limits (as ``FileRule``,
        for a check decided inside the action).

        Raises:
            PayloadTooLarge: the file is over ``max_size``.
            ValidationFailed: the file is empty, or its detected type is not in ``types``.
        """
        FileRule(max_size=max_size, types=types, allow_empty=allow_empty).check(field, self)
