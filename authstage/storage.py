"""Where uploaded files are kept: one ``Storage`` over any object store, through ``obstore``.

``Storage(url)`` opens the store a URL names: ``file:///srv/uploads`` (a local folder, the
embedded default: ``./uploads`` under the working directory when neither the argument nor
``AUTHSTAGE_STORAGE_URL`` is set), ``s3://bucket/prefix``, ``gs://…``, ``az://…`` (credentials
from the usual environment variables, read by obstore), or ``memory:///`` (tests). Every
instance of an app pointed at the same bucket sees the same files; a local folder is shared only
by the processes of one machine.

``obstore`` (Rust's ``object_store`` crate) was picked over hand-written S3 calls or ``boto3``:
one API for every store and the local disk, atomic writes (an object is either all there or not
at all: a failed upload leaves nothing half-written), multipart uploads to S3 for large files,
and real async I/O that does not hold a thread per transfer. ``save`` streams the upload's spool
(the file object itself is handed to obstore, which reads it in chunks), so storing a 100 MB file
costs a few chunks of memory, not the file (about 3 MiB to a folder, 12 MiB to S3: ``_put``).

Keys are chosen by the server (a random hex name with the detected type's extension, under an
optional prefix), never taken from the client's file name. ``save_image`` re-encodes an image
first (images.py) in a worker thread. What it costs: a store is opened once, on first use, and
``obstore`` is imported then (not with the package).
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

import filetype

from authstage.images import reencode
from authstage.uploads import UploadedFile

if TYPE_CHECKING:
    from obstore import Attributes
    from obstore.store import ObjectStore

__all__ = ["DEFAULT_MAX_PIXELS", "Storage", "StoredFile"]

#: The default pixel limit of ``save_image`` (about 5000 x 5000).
DEFAULT_MAX_PIXELS = 25_000_000
_READ_CHUNK = 1024 * 1024
_LOCAL_PART = 1024 * 1024
_REMOTE_PART = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file saved in storage.

    Attributes:
        key: its path in the store (what ``open``, ``read`` and ``delete`` take).
        size: its size in bytes.
        type: its MIME type, as detected from its bytes (None: not a known format).
        url: its public address when the storage has a ``public_url``, else None.
    """

    key: str
    size: int
    type: str | None
    url: str | None = None


def _extension(mime: str | None) -> str:
    kind = filetype.get_type(mime=mime) if mime else None
    return f".{kind.extension}" if kind is not None else ""


class Storage:
    """Files in one object store (a local folder by default).

    Args:
        url: the store's URL; ``AUTHSTAGE_STORAGE_URL`` when None, else ``./uploads``.
        public_url: the address the stored keys are served under (a CDN or bucket URL, or an
            app route); ``AUTHSTAGE_STORAGE_PUBLIC_URL`` when None. ``StoredFile.url`` is this
            joined with the key.

    Example:
        >>> storage = Storage("memory:///")
        >>> stored = await storage.save(upload, prefix="docs/")
    """

    def __init__(self, url: str | None = None, *, public_url: str | None = None) -> None:
        self.url = url or os.environ.get("AUTHSTAGE_STORAGE_URL") or Path("uploads").as_posix()
        self.public_url = public_url or os.environ.get("AUTHSTAGE_STORAGE_PUBLIC_URL") or None
        self._store: ObjectStore | None = None

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    @property
    def store(self) -> ObjectStore:
        """The obstore store, opened on first use (a local folder is created then)."""
        if self._store is None:
            from obstore.store import LocalStore, from_url

            url = self.url
            if url.startswith("file://") or "://" not in url:
                folder = url.removeprefix("file://") if "://" in url else url
                self._store = LocalStore(prefix=Path(folder).resolve(), mkdir=True)
            else:
                self._store = from_url(url)
        return self._store

    def _stored(self, key: str, size: int, mime: str | None) -> StoredFile:
        url = f"{self.public_url.rstrip('/')}/{key}" if self.public_url else None
        return StoredFile(key=key, size=size, type=mime, url=url)

    def new_key(self, mime: str | None, prefix: str = "") -> str:
        """A fresh random key for a file of type ``mime`` under ``prefix``."""
        return f"{prefix}{secrets.token_hex(16)}{_extension(mime)}"

    async def _put(self, key: str, body: IO[bytes], mime: str | None) -> None:
        # obstore reads ``chunk_size`` bytes per part and keeps ``max_concurrency`` parts in
        # flight: its defaults (5 MiB x 12) would hold 60 MiB per upload. A folder takes small
        # parts; an object store's parts are at least 5 MiB (S3's minimum), two in flight.
        import obstore
        from obstore.store import LocalStore

        store = self.store
        if isinstance(store, LocalStore):  # a folder keeps no attributes
            await obstore.put_async(store, key, body, chunk_size=_LOCAL_PART, max_concurrency=2)
            return
        attributes: Attributes | None = None if mime is None else {"Content-Type": mime}
        await obstore.put_async(
            store, key, body, attributes=attributes, chunk_size=_REMOTE_PART, max_concurrency=2
        )

    async def save(
        self, file: UploadedFile, key: str | None = None, *, prefix: str = ""
    ) -> StoredFile:
        """Store ``file`` as it is, streamed from its spool.

        Args:
            file: the upload.
            key: where to store it; a random name with the detected type's extension when None.
            prefix: a folder for the random key (``"avatars/"``).
        """
        mime = file.detected_type
        key = key or self.new_key(mime, prefix)
        file.seek(0)
        await self._put(key, file.file, mime)
        return self._stored(key, file.size, mime)

    async def put(
        self, key: str, body: bytes | IO[bytes], *, type: str | None = None
    ) -> StoredFile:
        """Store bytes the server produced (an export, a report) under ``key``, atomically.

        Args:
            key: where to store it (the caller chooses: ``new_key`` gives a random one).
            body: the bytes, or a binary file object read from its current position.
            type: the MIME type, kept as the object's ``Content-Type`` on object stores.
        """
        file = io.BytesIO(body) if isinstance(body, bytes) else body
        start = file.tell()
        size = file.seek(0, os.SEEK_END) - start
        file.seek(start)
        await self._put(key, file, type)
        return self._stored(key, size, type)

    async def save_image(
        self,
        file: UploadedFile,
        key: str | None = None,
        *,
        prefix: str = "",
        field: str = "file",
        max_pixels: int = DEFAULT_MAX_PIXELS,
        format: Literal["webp", "png", "jpeg", "keep"] = "webp",
    ) -> StoredFile:
        """Re-encode an image (images.py: metadata and anything appended dropped) and store it.

        Args:
            file: the upload.
            key: where to store it; a random name under ``prefix`` when None.
            prefix: a folder for the random key.
            field: the parameter named in the error when the image is refused.
            max_pixels: the most pixels (width x height) accepted, checked before decoding.
            format: the format written (``"keep"``: the one it came in).

        Raises:
            ValidationFailed: not an image Pillow may open here, or over ``max_pixels``.
        """
        file.seek(0)
        encoded, mime = await asyncio.to_thread(
            reencode, file.file, field=field, max_pixels=max_pixels, format=format
        )
        with encoded:
            size = encoded.seek(0, os.SEEK_END)
            encoded.seek(0)
            key = key or self.new_key(mime, prefix)
            await self._put(key, encoded, mime)
        return self._stored(key, size, mime)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes of ``key`` in chunks, streamed from the store.

        Raises:
            FileNotFoundError: there is no such key.
        """
        import obstore

        result = await obstore.get_async(self.store, key)
        async for chunk in result.stream(_READ_CHUNK):
            yield bytes(chunk)

    async def read(self, key: str) -> bytes:
        """All the stored bytes of ``key`` (``FileNotFoundError`` without one)."""
        import obstore

        result = await obstore.get_async(self.store, key)
        return bytes(await result.bytes_async())

    async def exists(self, key: str) -> bool:
        """True when ``key`` is stored."""
        import obstore

        try:
            await obstore.head_async(self.store, key)
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is not there)."""
        import obstore

        try:
            await obstore.delete_async(self.store, key)
        except FileNotFoundError:
            return
