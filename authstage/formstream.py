"""A ``multipart/form-data`` body parsed while it streams in, files spooled as they arrive.

``read_multipart`` takes the body's chunks straight from ASGI ``receive`` and feeds each to the
``multipart`` package's ``PushMultipartParser`` (the parser Litestar itself depends on, built
for exactly this: push bytes in, get header and data events out). Nothing holds the whole body:
text fields are collected (they are small, and bounded by the body limit), and each file part
is written chunk by chunk into its own ``SpooledTemporaryFile`` (uploads.py), which keeps
``SPOOL_SIZE`` bytes in memory and moves to disk past that. The cost is one write per chunk
(to a spool on disk: the page cache, not a sync), done on the event loop because each is small.

Every limit is checked while reading, so a refused upload never reaches its end:

- the action's body limit against ``Content-Length`` first, then against the running total
  (413, the rest of the body is never read);
- at most ``MAX_FIELDS`` parts (413, from the parser's own counter);
- each file parameter's ``FileRule`` (uploads.py): its size as the bytes arrive (413) and its
  type as soon as ``SNIFF_SIZE`` bytes (or the whole file, if smaller) are in (422);
- a body that ends before its closing boundary is a 400.

On any failure every spool opened so far is closed (and so deleted) before the error leaves.
An HTML form without JavaScript names its action inside the body: ``rules_of`` is then asked
for the rules when the ``_action`` field arrives, which browsers send before the files when the
hidden input comes first in the form (the rules are checked again after reading otherwise).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from authstage.body import ClientDisconnected, check_declared, too_large
from authstage.errors import BadRequest, PayloadTooLarge
from authstage.formdata import MAX_FIELDS, Form, codec_of
from authstage.uploads import SNIFF_SIZE, SPOOL_SIZE, FileRule, UploadedFile, sniff

if TYPE_CHECKING:
    from litestar.types import Receive

__all__ = ["MultipartReader", "parse_multipart", "read_multipart"]

Rules = Mapping[str, FileRule]
_NO_RULES: Rules = {}


class _FilePart:
    """One file part being written to its spool under its rule."""

    __slots__ = ("content_type", "detected", "field", "filename", "head", "rule", "size", "spool")

    def __init__(self, segment: MultipartSegment, rule: FileRule | None) -> None:
        self.field = segment.name
        self.filename = segment.filename or ""
        self.content_type = segment.content_type or "application/octet-stream"
        self.rule = rule
        self.spool = tempfile.SpooledTemporaryFile(SPOOL_SIZE)  # noqa: SIM115 - closed by Form
        self.size = 0
        self.head: bytearray | None = bytearray()  # None once the type is known
        self.detected: str | None = None

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.size += len(chunk)
        if self.rule is not None:
            self.rule.check_size(self.field, self.size)
        self.spool.write(chunk)
        if self.head is not None:
            self.head += chunk[: SNIFF_SIZE - len(self.head)]
            if len(self.head) >= SNIFF_SIZE:
                self._detect()

    def _detect(self) -> None:
        assert self.head is not None
        self.detected, self.head = sniff(bytes(self.head)), None
        if self.rule is not None:
            self.rule.check_type(self.field, self.detected)

    def finish(self) -> UploadedFile:
        if self.head is not None:
            if self.rule is not None:
                self.rule.check_empty(self.field, self.size)
            self._detect()
        return UploadedFile.spooled(
            self.filename, self.content_type, self.spool, self.size, self.detected
        )


class MultipartReader:
    """Push a multipart body through in chunks; the result is ``form``."""

    def __init__(
        self,
        boundary: str,
        rules: Rules | None = None,
        rules_of: Callable[[str], Rules] | None = None,
    ) -> None:
        if not boundary:
            raise BadRequest("multipart/form-data without a boundary")
        self.form = Form()
        self.rules = rules or _NO_RULES
        self.rules_of = rules_of
        self._parser = PushMultipartParser(boundary.encode(), max_segment_count=MAX_FIELDS)
        self._segment: MultipartSegment | None = None
        self._file: _FilePart | None = None
        self._text = bytearray()

    def feed(self, chunk: bytes) -> None:
        """Parse one chunk of the body (``b""`` marks its end).

        Raises:
            BadRequest: broken framing, or text its charset cannot decode.
            UnsupportedMediaType: a part declares a charset not in ``CHARSETS``.
            PayloadTooLarge: too many parts, or a file over its rule's ``max_size``.
            ValidationFailed: a file of a type its rule does not allow.
        """
        self.form.size += len(chunk)
        try:
            for event in self._parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    self._start(event)
                elif event:
                    if self._file is not None:
                        self._file.write(event)
                    else:
                        self._text += event
                else:
                    self._end()
        except ParserLimitReached:
            raise PayloadTooLarge(f"Too many form parts (at most {MAX_FIELDS})") from None
        except ParserError as exc:
            raise BadRequest(f"Malformed multipart body: {exc}") from None

    def finish(self) -> Form:
        """End the body; the form, or 400 when it stopped before its closing boundary."""
        self.feed(b"")
        if not self._parser.closed:
            raise BadRequest("Malformed multipart body: it ends before its last boundary")
        return self.form

    def close(self) -> None:
        """Close every spool (after a failure: the form is not handed on)."""
        if self._file is not None:
            self._file.spool.close()
        self.form.close()

    def _start(self, segment: MultipartSegment) -> None:
        self._segment = segment
        if segment.filename is not None:
            self._file = _FilePart(segment, self.rules.get(segment.name))
        else:
            self._text = bytearray()

    def _end(self) -> None:
        segment, file = self._segment, self._file
        self._segment = None
        if segment is None:
            return
        if file is not None:  # kept on self until the form owns it: close() must find it
            if file.size == 0 and not file.filename:  # a file input left empty
                file.spool.close()
            else:
                self.form.add_file(segment.name, file.finish())
            self._file = None
            return
        codec = codec_of(segment.charset)
        try:
            text = self._text.decode(codec)
        except UnicodeDecodeError:
            raise BadRequest(f"Form field {segment.name[:40]!r} is not valid {codec}") from None
        self.form.add_field(segment.name, text)
        if segment.name == "_action" and self.rules_of is not None and not self.rules:
            self.rules = self.rules_of(text)


def parse_multipart(body: bytes, params: Mapping[str, str]) -> Form:
    """Parse a multipart body read whole (tests, and callers that already hold the bytes)."""
    reader = MultipartReader(params.get("boundary", ""))
    try:
        reader.feed(body)
        return reader.finish()
    except BaseException:
        reader.close()
        raise


async def read_multipart(
    receive: Receive,
    content_length: bytes | None,
    limit: int,
    params: Mapping[str, str],
    rules: Rules | None = None,
    rules_of: Callable[[str], Rules] | None = None,
) -> Form:
    """Read and parse a multipart body from ``receive``, at most ``limit`` bytes.

    Raises:
        PayloadTooLarge: the body, the number of parts or a file is over its limit.
        BadRequest, UnsupportedMediaType, ValidationFailed: as ``MultipartReader.feed``.
        ClientDisconnected: the client disconnected mid-body.
    """
    check_declared(content_length, limit)
    reader = MultipartReader(params.get("boundary", ""), rules, rules_of)
    try:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            if reader.form.size + len(chunk) > limit:
                raise too_large(limit)
            reader.feed(chunk)
            if not message.get("more_body", False):
                return reader.finish()
    except BaseException:
        reader.close()
        raise
