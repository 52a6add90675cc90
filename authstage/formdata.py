"""A parsed form: its text fields, its files, and the charsets its text may be in.

Both form readers fill a ``Form``: the urlencoded one (forms.py) from a body read whole, the
multipart one (formstream.py) while the body streams in. It sits below both so that neither
imports the other. A form owns its files: ``close`` closes them and deletes their spools on
disk, and the dispatcher calls it when the request ends, whatever happened.

Text is decoded only from the charsets browsers actually send (``CHARSETS``: UTF-8, US-ASCII,
ISO-8859-1 and their common aliases, case-insensitive); anything else is refused with 415
before a byte is decoded. Handing the name to any Python codec would let a caller pick
``punycode`` (a quadratic decoder: one 1 MiB body blocks the event loop for minutes) or
``unicode_escape`` (lone surrogates that fail later).
"""

from __future__ import annotations

from authstage.errors import UnsupportedMediaType
from authstage.uploads import UploadedFile

__all__ = ["CHARSETS", "MAX_FIELDS", "Form", "codec_of"]

#: The most fields (or multipart parts) one form may have (413 beyond).
MAX_FIELDS = 1000
#: The charsets a form may declare (lowercased name -> Python codec); see the module docstring.
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
}


def codec_of(charset: str | None) -> str:
    """The codec for a declared charset (UTF-8 when none is declared).

    Raises:
        UnsupportedMediaType: the charset is not in ``CHARSETS``.
    """
    if charset is None:
        return "utf-8"
    codec = CHARSETS.get(charset.strip().lower())
    if codec is None:
        raise UnsupportedMediaType(
            f"Unsupported form charset {charset[:40]!r}: send UTF-8 (or US-ASCII, ISO-8859-1)"
        )
    return codec


class Form:
    """The fields and files of one form body."""

    __slots__ = ("fields", "files", "nul", "size")

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.files: dict[str, list[UploadedFile]] = {}
        #: True when some text holds a NUL: only then does ``form_arguments`` look for it.
        self.nul = False
        #: The size of the body it was read from, in bytes.
        self.size = 0

    def add_field(self, name: str, value: str) -> None:
        """Add one value of field ``name``."""
        self.fields.setdefault(name, []).append(value)
        self.nul = self.nul or "\x00" in value

    def add_file(self, name: str, file: UploadedFile) -> None:
        """Add one file of field ``name``."""
        self.files.setdefault(name, []).append(file)
        self.nul = self.nul or "\x00" in file.filename or "\x00" in file.content_type

    def first(self, name: str) -> str | None:
        """The first value of field ``name``, or None."""
        values = self.fields.get(name)
        return values[0] if values else None

    def close(self) -> None:
        """Close every file (their temporary files are deleted)."""
        for files in self.files.values():
            for file in files:
                file.close()
